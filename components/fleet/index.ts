export * from "./schema";
export * from "./resolve";
export * from "./validate";
