export * from "./allocation";
export * from "./provisioning-service";
