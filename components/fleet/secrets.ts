import * as pulumi from "@pulumi/pulumi";

/**
 * Resolves a `...Secret` field of the fleet model (the name of another config key) to its value,
 * always as a secret Output. `pulumi up` reads the stack's encrypted config; the offline plan
 * gives unknown secrets for values it cannot decrypt.
 */
export type SecretLookup = (configKey: string) => pulumi.Output<string>;
