// Stand-in for `worker-timers` inside the bundle: MQTT.js uses it only in
// browsers; on Node its native timers are chosen. Saves loading @babel/runtime
// and a worker broker at start-up.
'use strict';

module.exports = { setInterval, clearInterval, setTimeout, clearTimeout };
