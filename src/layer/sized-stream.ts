import { Duplex } from 'node:stream';

// Starting a program costs more than zlib spends on a small input, so the
// compression filters hold back the first bytes and choose once they know
// whether the input is small: an input that ends within `threshold` bytes
// goes through the in-process filter, a longer one through the program. The
// choice depends only on the input, so equal input still gives equal bytes.

/** A filter that is `small()` for inputs up to `threshold` bytes and `large()` beyond. */
export function sizedStream(threshold: number, small: () => Duplex, large: () => Duplex): Duplex {
  const held: Buffer[] = [];
  let heldBytes = 0;
  let inner: Duplex | undefined;
  let onInnerDrain: (() => void) | undefined;

  const start = (make: () => Duplex): Duplex => {
    const filter = make();
    inner = filter;
    filter.on('data', (chunk: Buffer) => {
      if (!outer.push(chunk)) filter.pause();
    });
    filter.on('end', () => outer.push(null));
    filter.on('error', (error) => outer.destroy(error));
    filter.on('drain', () => onInnerDrain?.());
    for (const chunk of held.splice(0)) filter.write(chunk);
    return filter;
  };

  const writeInner = (filter: Duplex, chunk: Buffer, callback: () => void) => {
    if (filter.write(chunk)) callback();
    else
      onInnerDrain = () => {
        onInnerDrain = undefined;
        callback();
      };
  };

  const outer = new Duplex({
    write(chunk: Buffer, _encoding, callback) {
      if (inner) return writeInner(inner, chunk, callback);
      held.push(chunk);
      heldBytes += chunk.length;
      if (heldBytes > threshold) start(large);
      callback();
    },
    final(callback) {
      (inner ?? start(small)).end(callback);
    },
    read() {
      inner?.resume();
    },
    destroy(error, callback) {
      inner?.destroy();
      callback(error);
    },
  });
  return outer;
}
