/**
 * Plan diff: what changes between two offline plans (`iotedge-fleet plan --out DIR`).
 * Pure logic only; the command (cli/commands/plan-diff.ts) reads the directories.
 */
export * from "./compute";
export * from "./line-diff";
export * from "./parse";
export * from "./render";
