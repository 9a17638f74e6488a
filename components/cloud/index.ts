export * from "./plan";
export * from "./connection-string";
export * from "./fleet-cloud";
