// Stand-in for the `debug` package inside the bundle. MQTT.js and mqtt-packet
// call debug() several times per packet; even disabled, that cost a quarter of
// `sub`'s CPU time at 200k messages. mqtt-tool has its own --debug packet log.
'use strict';

function createDebug() {
  const noop = () => {};
  noop.enabled = false;
  noop.extend = createDebug;
  noop.log = () => {};
  return noop;
}
createDebug.enable = () => {};
createDebug.disable = () => '';
createDebug.enabled = () => false;

module.exports = createDebug;
