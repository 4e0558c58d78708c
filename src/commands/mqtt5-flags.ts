/** The words for an MQTT-5-only flag on a connection that is not MQTT 5 (pub, sub). */

/** The user chose an older version, or the broker lacks 5 (the session fell back to 3.1.1). */
export function v5OnlyRemedy(fellBack: boolean): string {
  return fellBack ? 'the broker speaks MQTT 3.1.1 only: drop it' : 'drop it or use -V 5';
}
