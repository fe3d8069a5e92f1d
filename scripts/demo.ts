import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  copyExample,
  type ExampleRegistry,
  runPipelineCli,
  startExampleRegistry,
} from '../test/harness/examples.js';
import { pullImage, type RunningImage, startImage } from '../test/harness/run-image.js';

// The README's main job (`./scripts/demo.sh [EXAMPLE/PIPELINE]`, default
// java-service/master-pipeline): start a docker-registry with basic auth on a
// free 127.0.0.1 port, push base images made from this machine's Debian
// packages, run the example's pipeline with `slipway run`, then pull the image
// it pushed, start its entrypoint with slipway's sandbox and ask it over HTTP.
// Everything it starts it stops; everything it writes is in one temp folder.

const started = Date.now();
const seconds = (since: number) => `${((Date.now() - since) / 1000).toFixed(1)}s`;
const say = (text: string) => process.stdout.write(`\n==> ${text}\n`);

async function main(target: string): Promise<number> {
  const [example, pipeline] = target.split('/');
  if (!example || !pipeline) throw new Error(`expected EXAMPLE/PIPELINE, not ${target}`);
  const dir = await mkdtemp(join(tmpdir(), 'slipway-demo-'));
  let examples: ExampleRegistry | undefined;
  let service: RunningImage | undefined;
  const stop = () => service?.stop();
  process.once('SIGINT', () => void Promise.resolve(stop()).finally(() => process.exit(130)));
  try {
    say('starting docker-registry (htpasswd basic auth) and pushing the base images');
    let since = Date.now();
    examples = await startExampleRegistry(dir);
    const { registry } = examples;
    console.log(
      `registry ${registry.url}, account ${registry.username} (in ${examples.credentialsFile})`,
    );
    console.log(`base images ${examples.jre}, ${examples.busybox} (${seconds(since)})`);

    const workspace = await copyExample(example, dir);
    const file = `.workflow/${pipeline}.yml`;
    say(`slipway run ${file} in ${workspace}`);
    since = Date.now();
    const run = await runPipelineCli(
      [
        ...[file, '--host-tools', '--progress', 'plain'],
        ...['--credentials', examples.credentialsFile],
        ...['--var', `REGISTRY=${registry.host}`],
        ...['--var', `JRE_IMAGE=${examples.jre}`, '--var', `BUSYBOX_IMAGE=${examples.busybox}`],
      ],
      { cwd: workspace, home: join(dir, 'home'), echo: true },
    );
    console.log(`(slipway run: ${seconds(since)})`);
    if (run.code !== 0) return run.code ?? 1;

    const images = run.report.steps.filter((step) => step.step === 'build@docker');
    for (const [index, step] of images.entries()) {
      const [image, digest] = Object.values(step.outputs);
      say(`${step.name} pushed ${image}\n    digest ${digest}`);
      since = Date.now();
      const pulled = await pullImage(image ?? '', registry, join(dir, `pull-${index}`));
      const same =
        pulled.digest === digest ? 'the same digest' : `a DIFFERENT digest ${pulled.digest}`;
      console.log(`skopeo reads back ${same}; umoci unpacked it (${seconds(since)})`);
      if (index > 0) continue;
      say(`starting its entrypoint (${pulled.process.args.join(' ')}) with slipway's sandbox`);
      since = Date.now();
      service = await startImage(pulled);
      const answer = await service.get('/');
      console.log(
        `GET http://127.0.0.1:${service.port}/ -> ${answer.status} ${answer.body.split('\n')[0]}`,
      );
      console.log(`(answered ${seconds(since)} after start)`);
      await service.stop();
      service = undefined;
      if (pulled.digest !== digest || answer.status !== 200) return 1;
    }
    say(`done in ${seconds(started)}; stopping the registry and removing ${dir}`);
    return 0;
  } finally {
    await stop();
    await examples?.stop();
    await rm(dir, { recursive: true, force: true });
  }
}

main(process.argv[2] ?? 'java-service/master-pipeline').then(
  (code) => process.exit(code),
  (error: Error) => {
    console.error(`demo failed: ${error.message}`);
    process.exit(1);
  },
);
