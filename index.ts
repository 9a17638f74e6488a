/**
 * iotedge-fleet: the stack's program. The fleet is described in the stack's config
 * (stacks/Pulumi.<stack>.yaml, key `iotedge-fleet:fleet`) and validated before anything is
 * declared; see README.md.
 *
 * Stack outputs: `hubHostNames`, `dpsIdScope`, `dpsServiceHostName`, `devices`, and, for a
 * stack that is not itself a fleet stack, what fleet stacks read from it (`platformHubs`,
 * `platformDps`, `platformCas`, `platformSecrets`: components/platform.ts).
 */
import { runFleetProgram, stackOutputs } from "./components/program";

export = stackOutputs(runFleetProgram().outputs);
