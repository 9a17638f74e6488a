/**
 * iotedge-fleet: the stack's program. The fleet is described in the stack's config
 * (stacks/Pulumi.<stack>.yaml, key `iotedge-fleet:fleet`) and validated before anything is
 * declared; see README.md.
 */
import { runFleetProgram } from "./components/program";

const { outputs } = runFleetProgram();

export const hubHostNames = outputs.hubHostNames;
export const dpsIdScope = outputs.dpsIdScope;
export const dpsServiceHostName = outputs.dpsServiceHostName;
export const devices = outputs.devices;
