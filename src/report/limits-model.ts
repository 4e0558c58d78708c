/**
 * What `diagnose --limits` found for one protocol version: each limit as the broker advertised
 * it in CONNACK and as the probe measured it, and the words for both. Pure: the JSON form, the
 * sentences with their consequence, and where advertised and measured disagree.
 */

export const LIMIT_KEYS = [
  'maxPayloadBytes',
  'maxTopicLength',
  'maxTopicLevels',
  'maxClientIdLength',
  'maxQos',
  'retain',
  'wildcards',
  'sharedSubscriptions',
  'subscriptionIdentifiers',
  'topicAliasMaximum',
  'receiveMaximum',
  'sessionExpiry',
  'keepalive',
  'emptyClientId',
  'willDelay',
  'packetRate',
] as const;
export type LimitKey = (typeof LIMIT_KEYS)[number];

export type LimitValue = number | boolean | string;

/** How the broker showed a limit when it was crossed. */
export type Enforcement = { readonly kind: 'refused'; readonly code: string } | { readonly kind: 'disconnected'; readonly code: string | undefined } | { readonly kind: 'dropped' };

export interface Measured {
  readonly value: LimitValue;
  /** The probe stopped at its ceiling: the limit is at least `value`. */
  readonly atLeast?: boolean;
  /** The budget ran out before the exact value: it lies between `value` and this. */
  readonly below?: number;
  readonly enforcement?: Enforcement;
  /** A fact the value alone does not say ("a QoS 2 publish was taken at QoS 1"). */
  readonly remark?: string;
}

export interface Limit {
  /** From CONNACK; undefined when the broker did not say (3.1.1 brokers never do). */
  readonly advertised: LimitValue | undefined;
  /** undefined when not probed: why is in `skipped`. */
  readonly measured: Measured | undefined;
  readonly skipped?: string;
}

export type Limits = Readonly<Partial<Record<LimitKey, Limit>>>;

export interface LimitsRun {
  readonly version: '5' | '3.1.1';
  readonly limits: Limits;
  readonly ms: number;
  readonly messages: number;
  readonly connections: number;
  /** Some probes were not run: the time bound was reached. */
  readonly outOfTime: boolean;
}

export const LABELS: Record<LimitKey, string> = {
  maxPayloadBytes: 'payload size',
  maxTopicLength: 'topic length',
  maxTopicLevels: 'topic levels',
  maxClientIdLength: 'client id length',
  maxQos: 'maximum QoS',
  retain: 'retained messages',
  wildcards: 'wildcards + #',
  sharedSubscriptions: 'shared subscriptions',
  subscriptionIdentifiers: 'subscription ids',
  topicAliasMaximum: 'topic aliases',
  receiveMaximum: 'receive maximum',
  sessionExpiry: 'session expiry (s)',
  keepalive: 'keepalive (s)',
  emptyClientId: 'empty client id',
  willDelay: 'will delay (s)',
  packetRate: 'publish rate (msg/s)',
};

const UNLIMITED_ADVERTISED = 'not limited';

function show(v: LimitValue): string {
  if (typeof v === 'boolean') return v ? 'yes' : 'no';
  if (typeof v === 'number') return v.toLocaleString('en-US');
  return v;
}

/** The advertised column: the value, or "not said". */
export function advertisedText(l: Limit | undefined): string {
  if (l?.advertised === undefined) return '-';
  return show(l.advertised);
}

/** The measured column: the value with "≥" for a ceiling, a range for an unfinished search, or why not measured. */
export function measuredText(l: Limit | undefined): string {
  const m = l?.measured;
  if (m === undefined) return l?.skipped === undefined ? '-' : 'not probed';
  if (m.atLeast === true) return `≥ ${show(m.value)}`;
  if (m.below !== undefined) return `${show(m.value)}–${show(m.below)}`;
  return show(m.value);
}

/** The value a script reads, and where it came from. */
export function limitJson(l: Limit): { value: LimitValue | null; source: 'advertised' | 'measured' | 'both'; atLeast?: true; note?: string } {
  const m = l.measured;
  const source = m === undefined ? 'advertised' : l.advertised === undefined ? 'measured' : 'both';
  const note = disagreement(l) ?? m?.remark ?? l.skipped;
  return {
    value: m?.value ?? l.advertised ?? null,
    source,
    ...(m?.atLeast === true ? { atLeast: true as const } : {}),
    ...(note === undefined ? {} : { note }),
  };
}

/** Where the advertised value and the measured one say different things, in words. */
export function disagreement(l: Limit): string | undefined {
  const { advertised: a, measured: m } = l;
  if (a === undefined || m === undefined || a === UNLIMITED_ADVERTISED) return undefined;
  if (typeof a === 'boolean' && typeof m.value === 'boolean' && a !== m.value) {
    return a ? 'advertised as available, but the probe found it does not work' : 'advertised as unavailable, but it worked';
  }
  if (typeof a === 'number' && typeof m.value === 'number' && m.atLeast !== true && m.value !== a) {
    return `advertised ${show(a)}, measured ${show(m.value)}`;
  }
  return undefined;
}

/** What happens to a message past the limit, as a verb phrase ("is dropped without a refusal"). */
const fate = (e: Enforcement | undefined): string => {
  if (e === undefined) return 'is not delivered';
  if (e.kind === 'refused') return `is refused with ${e.code}`;
  if (e.kind === 'disconnected') return `ends the connection${e.code === undefined ? '' : ` (${e.code})`}`;
  return 'is dropped without a refusal';
};

/** What the fate means for the device that sent it. */
const meaning = (e: Enforcement | undefined): string => {
  if (e?.kind === 'dropped') return ': publishers will not notice (the broker even acknowledges it at QoS 1 and 2)';
  if (e?.kind === 'disconnected') return ': the client loses its connection and whatever it had in flight';
  if (e?.kind === 'refused') return ': QoS 1 and 2 publishers see the refusal, QoS 0 ones do not';
  return '';
};

/** The sentence for a limit that a device would meet, with its consequence; undefined when there is nothing to warn about. */
export function consequence(key: LimitKey, l: Limit): string | undefined {
  const m = l.measured;
  const off = disagreement(l);
  if (m === undefined) return l.advertised === false ? `not offered (the broker says so in CONNACK)` : off;
  const e = m.enforcement;
  const exact = m.atLeast !== true && m.below === undefined && typeof m.value === 'number';
  const past = (what: string): string | undefined => (exact ? `${what} ${fate(e)}${meaning(e)}` : off);
  switch (key) {
    case 'maxPayloadBytes':
      return past(`a message with a payload above ${show(m.value)} bytes`);
    case 'maxTopicLength':
      return past(`a message to a topic longer than ${show(m.value)} bytes`);
    case 'maxTopicLevels':
      return past(`a message to a topic of more than ${show(m.value)} levels`);
    case 'maxClientIdLength':
      return exact && typeof m.value === 'number' ? `client identifiers longer than ${show(m.value)} bytes are refused${m.value <= 23 ? ': keep device ids within 23 bytes, the MQTT minimum every broker must accept' : ''}` : off;
    case 'maxQos':
      return m.value !== 2 ? `QoS above ${show(m.value)} is not honoured${m.remark === undefined ? '' : ` (${m.remark})`}: a QoS 2 design gets at most QoS ${show(m.value)}` : off;
    case 'retain':
      return m.value === false ? 'retained messages are not kept: a new subscriber does not get the last value' : off;
    case 'wildcards':
    case 'sharedSubscriptions':
    case 'subscriptionIdentifiers':
      return m.value === false ? `${LABELS[key]} do not work${m.remark === undefined ? '' : `: ${m.remark}`}` : off;
    case 'sessionExpiry':
      return m.remark ?? off;
    case 'keepalive':
      return m.remark ?? off;
    case 'emptyClientId':
      return m.value === 'refused' ? 'an empty client identifier is refused: every client needs one' : undefined;
    case 'willDelay':
      return m.value === false || /not honoured/.test(m.remark ?? '') ? m.remark : off;
    case 'packetRate':
      return m.remark ?? off;
    default:
      return off;
  }
}
