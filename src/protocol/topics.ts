/**
 * Topic name and filter validation, run before any network I/O.
 * Rules: MQTT 5 §4.7 (3.1.1 §4.7 has the same rules).
 */
import { UsageError } from '../errors.js';

export type TopicCheck = { ok: true } | { ok: false; rule: string; message: string };

const MAX_TOPIC_BYTES = 65_535;
const OK: TopicCheck = { ok: true };

function fail(rule: string, message: string): TopicCheck {
  return { ok: false, rule, message };
}

/** Checks shared by names and filters: non-empty, no U+0000, well-formed UTF-16 (so valid UTF-8), length. */
function checkString(topic: string, what: string): TopicCheck {
  if (topic.length === 0) return fail('MQTT-4.7.3-1', `${what} must not be empty`);
  const nul = topic.indexOf('\u0000');
  if (nul !== -1) return fail('MQTT-4.7.3-2', `${what} contains U+0000 at character ${nul + 1}`);
  if (!topic.isWellFormed()) {
    return fail('MQTT-1.5.4-1', `${what} contains an unpaired surrogate, which is not valid UTF-8`);
  }
  // Node turns bytes that are not UTF-8 (in argv, say) into U+FFFD: the topic the user meant cannot be sent.
  const replaced = topic.indexOf('\uFFFD');
  if (replaced !== -1) return fail('MQTT-1.5.4-1', `${what} contains U+FFFD at character ${replaced + 1}: the argument was probably not valid UTF-8`);
  // Control characters SHOULD NOT appear [MQTT-1.5.4-2 of 3.1.1; §1.5.4 of 5]: a broker may close the connection over one.
  const control = topic.search(/[\u0001-\u001f\u007f-\u009f]/);
  if (control !== -1) {
    const code = (topic.codePointAt(control) as number).toString(16).toUpperCase().padStart(4, '0');
    return fail('MQTT-1.5.4', `${what} contains the control character U+${code} at character ${control + 1}`);
  }
  const bytes = Buffer.byteLength(topic, 'utf8');
  if (bytes > MAX_TOPIC_BYTES) {
    return fail('MQTT-4.7.3-3', `${what} is ${bytes} bytes as UTF-8; the limit is ${MAX_TOPIC_BYTES}`);
  }
  return OK;
}

export function validateTopicName(topic: string): TopicCheck {
  const base = checkString(topic, 'publish topic');
  if (!base.ok) return base;
  const wildcard = topic.search(/[+#]/);
  if (wildcard !== -1) {
    return fail(
      'MQTT-3.3.2-2',
      `publish topic must not contain '+' or '#' (found '${topic[wildcard]}' at character ${wildcard + 1})`,
    );
  }
  return OK;
}

export function validateTopicFilter(filter: string): TopicCheck {
  const base = checkString(filter, 'topic filter');
  if (!base.ok) return base;
  const levels = filter.split('/');
  for (let i = 0; i < levels.length; i++) {
    const level = levels[i] as string;
    if (level.includes('#') && (level !== '#' || i !== levels.length - 1)) {
      return fail('MQTT-4.7.1-1', `'#' must be alone in the last level of a filter (level ${i + 1} is '${level}')`);
    }
    if (level.includes('+') && level !== '+') {
      return fail('MQTT-4.7.1-2', `'+' must occupy a whole level of a filter (level ${i + 1} is '${level}')`);
    }
  }
  if (levels[0] === '$share') {
    if (levels.length < 3 || levels[1] === '') {
      return fail('MQTT-4.8.2-1', "a shared subscription is '$share/<group>/<filter>'");
    }
    if (/[+#]/.test(levels[1] as string)) {
      return fail('MQTT-4.8.2-2', "the share group name must not contain '+' or '#'");
    }
  }
  return OK;
}

/** The filter without its `$share/GROUP/` prefix: what a shared subscription matches topics against. */
export const unshared = (filter: string): string => (filter.startsWith('$share/') ? filter.split('/').slice(2).join('/') : filter);

/** True when `topic` matches `filter` by the MQTT 5 §4.7 rules, including [MQTT-4.7.2-1] for '$' topics. */
export function topicMatchesFilter(filter: string, topic: string): boolean {
  const f = filter.split('/');
  const t = topic.split('/');
  if (topic.startsWith('$') && (f[0] === '+' || f[0] === '#')) return false;
  for (let i = 0; i < f.length; i++) {
    const level = f[i];
    if (level === '#') return true;
    if (i >= t.length) return false;
    if (level !== '+' && level !== t[i]) return false;
  }
  return f.length === t.length;
}

/** Throws a usage error when `topic` cannot be published to; `what` names it ("topic", "--will-topic"). */
export function requireTopicName(topic: string, what: string): void {
  const check = validateTopicName(topic);
  if (!check.ok) throw new UsageError(`invalid ${what}: ${check.message} [${check.rule}]`);
}

/** Throws a usage error when `filter` cannot be subscribed to; `what` names it. */
export function requireTopicFilter(filter: string, what: string): void {
  const check = validateTopicFilter(filter);
  if (!check.ok) throw new UsageError(`invalid ${what}: ${check.message} [${check.rule}]`);
}
