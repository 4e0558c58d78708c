/** `mqtt-tool completion bash|zsh|fish`: print a completion script generated from the command declarations. */
import type { CommandUnknownOpts as Command } from '@commander-js/extra-typings';
import { UsageError } from '../errors.js';
import { bashScript, buildModel, fishScript, zshScript, type ModelHints } from '../completion/model.js';
import { NAMED_FORMATS } from '../io/format.js';
import { FILE_OPTIONS } from '../cli/flag-groups.js';

export const SHELLS = ['bash', 'zsh', 'fish'] as const;

const QOS = ['0', '1', '2'];
export const HINTS: ModelHints = {
  fileOptions: FILE_OPTIONS,
  values: {
    '--qos': QOS,
    'bench --qos': ['0', '1', '2', '0,1,2', '1,2'],
    '--will-qos': QOS,
    '--protocol-version': ['5', '311', '31', 'mqttv5', 'mqttv311', 'mqttv31'],
    '--format': NAMED_FORMATS,
    '--decode': ['auto', 'sparkplug', 'cbor', 'msgpack', 'json', 'protobuf:', 'avro:'],
    '--encode': ['sparkplug', 'cbor', 'msgpack', 'json', 'protobuf:', 'avro:'],
  },
  positional: { completion: { values: SHELLS }, 'profile show': { dynamic: 'mqtt-tool profile list --names' } },
  dynamic: { '--profile': 'mqtt-tool profile list --names' },
};

export function completionScript(shell: string, program: Command): string {
  const model = buildModel(program, HINTS);
  switch (shell) {
    case 'bash':
      return bashScript(model);
    case 'zsh':
      return zshScript(model);
    case 'fish':
      return fishScript(model);
  }
  throw new UsageError(`unknown shell '${shell}': use bash, zsh or fish`);
}

export function runCompletion(shell: string, program: Command): void {
  process.stdout.write(completionScript(shell, program));
}
