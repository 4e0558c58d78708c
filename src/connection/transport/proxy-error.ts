/**
 * An error of the --proxy leg (socks.ts), kept apart so explain.ts can name it without loading the
 * proxy code. socks.ts is a bundle of its own, so the class is recognised by its name, not instanceof.
 */
import type { ProxySpec } from '../../protocol/spec.js';

export class ProxyError extends Error {
  override readonly name = 'ProxyError';

  constructor(
    message: string,
    readonly proxy: ProxySpec,
    readonly code: string | undefined,
  ) {
    super(message);
  }
}

export function isProxyError(err: unknown): err is ProxyError {
  return err instanceof Error && err.name === 'ProxyError' && 'proxy' in err;
}
