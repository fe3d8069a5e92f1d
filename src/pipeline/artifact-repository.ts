// Artifact repositories keep a pipeline's artifacts beyond its run: each
// `publish@*` step stores a tar.gz as a new version of a named artifact.

/** One stored version of an artifact. */
export interface ArtifactVersion {
  name: string;
  version: string;
  /** Hex sha256 of the stored file. */
  sha256: string;
  size: number;
  /** ISO time it was stored. */
  created: string;
  /** Where it came from: pipeline, build number, commit, step. */
  labels: Record<string, string>;
}

/** How a caller picks the version of a new upload. */
export type VersionRule =
  /** The next version after every version of this artifact: 1, 2, 3… */
  | { kind: 'next' }
  /** Decided with the versions of the whole repository in hand (releases). */
  | { kind: 'choose'; choose(taken: readonly ArtifactVersion[]): string };

/** A place that stores artifacts by name and version. */
export interface ArtifactRepository {
  readonly name: string;
  readonly kind: 'directory' | 'oci';
  /** Store `file` as a new version of `name`; versions never change once stored. */
  put(
    name: string,
    file: string,
    rule: VersionRule,
    labels?: Record<string, string>,
  ): Promise<ArtifactVersion>;
  /** Names of the stored artifacts, sorted. */
  names(): Promise<string[]>;
  /** Versions of one artifact, oldest first; empty if there is none. */
  versions(name: string): Promise<ArtifactVersion[]>;
  /** Copy one version (or `latest`) to `dest`, verified against its sha256. */
  fetch(name: string, version: string, dest: string): Promise<ArtifactVersion>;
}

/** The newest of a list of versions (they are kept oldest first). */
export function latestOf(versions: readonly ArtifactVersion[]): ArtifactVersion | undefined {
  return versions[versions.length - 1];
}

/** Artifact names become folder names and tags: keep them to a safe alphabet. */
export function isValidArtifactName(name: string): boolean {
  return /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/.test(name);
}
