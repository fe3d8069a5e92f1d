import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

// A tiny in-process HTTP server that plays a misbehaving registry: each test
// gives the handler that answers wrongly in the way it needs.

/** A request the fake registry saw. */
export interface SeenRequest {
  method: string;
  url: string;
  headers: IncomingMessage['headers'];
}

/** The running fake registry. */
export interface FakeRegistry {
  host: string;
  requests: SeenRequest[];
  stop(): Promise<void>;
}

/** Answers one request; `count` is how many requests came before it. */
export type FakeHandler = (req: IncomingMessage, res: ServerResponse, count: number) => void;

/** Start the fake on a free 127.0.0.1 port; `/v2/` answers 200 unless the handler does. */
export async function startFakeRegistry(handler: FakeHandler): Promise<FakeRegistry> {
  const requests: SeenRequest[] = [];
  const server = createServer((req, res) => {
    const count = requests.length;
    requests.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers });
    req.resume();
    handler(req, res, count);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    host: `127.0.0.1:${port}`,
    requests,
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
