/**
 * Entry point of the iotedge-fleet guardrails policy pack. The Pulumi CLI runs this file
 * (`pulumi preview --policy-pack ./policy`); constructing `PolicyPack` starts the analyzer's
 * gRPC server, so nothing else imports this file: tests use ./policies directly.
 */
import { PolicyPack } from "@pulumi/policy";

import { DEFAULT_ENFORCEMENT_LEVEL, policies } from "./policies";

/** Name of the pack, as `pulumi policy` commands and violation output show it. */
export const POLICY_PACK_NAME = "iotedge-fleet-guardrails";

new PolicyPack(POLICY_PACK_NAME, {
    policies,
    // Advisory unless the environment's config file raises a policy (policy/README.md).
    enforcementLevel: DEFAULT_ENFORCEMENT_LEVEL,
    description:
        "Guardrails for an Azure IoT Edge fleet: X.509 instead of symmetric keys, no quickstart Edge CA, bounded certificate lifetimes, no free-tier hub, TLS and local-auth settings.",
    provider: "azure",
    tags: ["iot-edge", "azure", "pki"],
});
