export * from "./layout";
export * from "./edge-device";
export * from "./steps";
