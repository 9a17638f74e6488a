/**
 * Reads the fleet from the stack's Pulumi config: `iotedge-fleet:fleet` (the model) and the
 * secret keys its `...Secret` fields name. Validation runs here, before any resource is
 * declared, and throws one error listing every problem.
 */
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import { completeFleet } from "./stack-files";
import { SecretLookup } from "./secrets";
import { checkFleet, FleetValidationError } from "./validate";
import { ResolvedFleet } from "./resolve";

/**
 * The value the offline plan gives a `secure:` config value it cannot decrypt. Such a key reads
 * as an unknown secret, the way `pulumi preview` shows a value not yet known.
 */
export const PLAN_UNKNOWN_SECRET = "\u0000iotedge-fleet:secret-unknown-offline";

/** This project's root (Pulumi.yaml), whatever directory the program runs from. */
export const PROJECT_ROOT = path.resolve(__dirname, "../..");

/** The config key of the fleet model. */
export const FLEET_CONFIG_KEY = "fleet";

export interface LoadedFleet {
    fleet: ResolvedFleet;
    secrets: SecretLookup;
}

export function loadFleetFromConfig(project = pulumi.getProject()): LoadedFleet {
    const cfg = new pulumi.Config(project);
    const raw = cfg.getObject<unknown>(FLEET_CONFIG_KEY);
    if (raw === undefined) {
        throw new FleetValidationError([
            {
                path: `${project}:${FLEET_CONFIG_KEY}`,
                message:
                    "the stack has no fleet config (see stacks/Pulumi.dev.yaml for an example)",
            },
        ]);
    }
    // Read through the runtime so checking a secret's presence logs no "is a secret" warning.
    // Each runtime.getConfig call parses the stack's whole config, the fleet model included, and
    // checkFleet asks once per device: remember the answers (quadratic in devices otherwise).
    const rawValues = new Map<string, string | undefined>();
    const rawValue = (key: string): string | undefined => {
        if (!rawValues.has(key)) rawValues.set(key, pulumi.runtime.getConfig(`${project}:${key}`));
        return rawValues.get(key);
    };
    // A fleet stack's model is completed from its platform stack's file (layers.ts).
    const layered = completeFleet(raw, PROJECT_ROOT);
    const result = checkFleet(layered.fleet, { hasConfig: (key) => rawValue(key) !== undefined });
    const problems = [...layered.problems, ...result.problems];
    if (!result.ok || problems.length > 0) throw new FleetValidationError(problems);

    const cache = new Map<string, pulumi.Output<string>>();
    const secrets: SecretLookup = (key) => {
        let value = cache.get(key);
        if (value === undefined) {
            value =
                rawValue(key) === PLAN_UNKNOWN_SECRET
                    ? (pulumi.secret(pulumi.output(pulumi.unknown)) as pulumi.Output<string>)
                    : pulumi.secret(cfg.requireSecret(key));
            cache.set(key, value);
        }
        return value;
    };
    return { fleet: result.fleet, secrets };
}
