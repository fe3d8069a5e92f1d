import { readFile } from 'node:fs/promises';
import { InputError } from '../errors/index.js';

// Which toolchain image runs a build step's commands, chosen from its version
// keys. The map is a set of templates; a JSON file (config `toolchains`) can
// replace any of them: {"build@maven": "registry.local/maven:{mavenVersion}-jdk{jdkVersion}"}.

/** Version keys each build kind reads, with the default Gitee Go uses. */
export const VERSION_KEYS: Record<string, Record<string, string>> = {
  'build@maven': { jdkVersion: '8', mavenVersion: '3.6.3' },
  'build@gradle': { jdkVersion: '8', gradleVersion: '6.8' },
  'build@nodejs': { nodeVersion: '14.16.0' },
  'build@golang': { golangVersion: '1.17' },
  'build@python': { pythonVersion: '3.9' },
  'build@gcc': { gccVersion: '9.3' },
  'build@ant': { jdkVersion: '8', antVersion: '1.10.12' },
  'build@php': { phpVersion: '7.4' },
};

/** The default images, after Docker Hub's official names. */
export const DEFAULT_TOOLCHAINS: Record<string, string> = {
  'build@maven': 'maven:{mavenVersion}-openjdk-{jdkVersion}',
  'build@gradle': 'gradle:{gradleVersion}-jdk{jdkVersion}',
  'build@nodejs': 'node:{nodeVersion}',
  'build@golang': 'golang:{golangVersion}',
  'build@python': 'python:{pythonVersion}',
  'build@gcc': 'gcc:{gccVersion}',
  'build@ant': 'eclipse-temurin:{jdkVersion}-jdk',
  'build@php': 'php:{phpVersion}-cli',
};

/** Load the user's map (if any) over the defaults. */
export async function loadToolchains(file?: string): Promise<Record<string, string>> {
  if (!file) return { ...DEFAULT_TOOLCHAINS };
  const text = await readFile(file, 'utf8').catch(() => {
    throw new InputError('TOOLCHAINS', `reading toolchain map ${file} failed`);
  });
  try {
    return { ...DEFAULT_TOOLCHAINS, ...(JSON.parse(text) as Record<string, string>) };
  } catch (error) {
    throw new InputError('TOOLCHAINS', `toolchain map ${file}: ${(error as Error).message}`);
  }
}

/** The image for a step: its `image` key, or the kind's template filled in. */
export function toolchainImage(
  kind: string,
  fields: Record<string, unknown>,
  templates: Record<string, string>,
): string {
  if (typeof fields.image === 'string' && fields.image !== '') return fields.image;
  const template = templates[kind] ?? '';
  const versions = { ...VERSION_KEYS[kind] };
  for (const key of Object.keys(versions)) {
    if (fields[key] !== undefined && fields[key] !== null) versions[key] = String(fields[key]);
  }
  if (kind === 'build@maven' && Number(versions.jdkVersion) <= 8) {
    return template
      .replace('openjdk-{jdkVersion}', 'jdk-{jdkVersion}')
      .replace(/\{(\w+)\}/g, (_, k: string) => versions[k] ?? '');
  }
  return template.replace(/\{(\w+)\}/g, (_, key: string) => versions[key] ?? '');
}
