/** The bridge's version, as package.json and the extension's manifest give it (a test keeps them equal). */
export const BRIDGE_VERSION = "0.1.0";
