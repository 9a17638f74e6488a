export * from "./policies";
export * from "./iot-hub";
