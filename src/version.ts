declare const __MQTT_TOOL_VERSION__: string;
/** Replaced at build time from package.json. */
export const VERSION: string = __MQTT_TOOL_VERSION__;
