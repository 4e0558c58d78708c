/**
 * Topic aliases the broker sets on the PUBLISH packets it sends us (MQTT 5, section 3.3.2.3.4):
 * a PUBLISH with a topic and an alias sets the alias for this connection; one with an empty
 * topic and an alias means the topic last set. Only as many aliases as our CONNECT's Topic Alias
 * Maximum allowed. Pure: one table per connection.
 */
export type AliasResult = { readonly topic: string } | { readonly violation: string };

export class InboundTopicAliases {
  private readonly topics = new Map<number, string>();

  /** `maximum`: the Topic Alias Maximum we sent in CONNECT (0, or absent: none allowed). */
  constructor(private readonly maximum: number) {}

  /** A new connection: aliases never carry over [MQTT-3.3.2-7]. */
  reset(): void {
    this.topics.clear();
  }

  /** The topic a PUBLISH is on, with its alias applied, or the rule it breaks. */
  resolve(topic: string, alias: number | undefined): AliasResult {
    if (alias === undefined) return { topic };
    if (alias === 0 || alias > this.maximum) {
      return { violation: `a PUBLISH with topic alias ${alias}, outside the 1 to ${this.maximum} this client allows [MQTT-3.3.2-10]` };
    }
    if (topic !== '') {
      this.topics.set(alias, topic);
      return { topic };
    }
    const known = this.topics.get(alias);
    return known === undefined ? { violation: `a PUBLISH with topic alias ${alias} and no topic, but the alias was never set on this connection` } : { topic: known };
  }
}
