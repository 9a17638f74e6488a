/**
 * The contract between a platform stack and its fleet stacks (README "Large fleets").
 *
 * A platform stack (hubs, DPS, CAs, enrollment groups) exports four stack outputs; a fleet
 * stack reads them through a `pulumi.StackReference` and declares only its devices. They are
 * separate outputs, not one object, because an unknown anywhere in an output makes all of it
 * unknown: a preview of a fleet stack still shows hub host names while CA certificates are
 * pending.
 *
 * - `platformHubs`: `{ [hub]: { hostName, registryPolicyName } }`
 * - `platformDps`: `{ idScope, serviceHostName, servicePolicyName }` (absent without a DPS)
 * - `platformCas`: `{ [ca]: { certPem, chainPem, rootPem } }`
 * - `platformSecrets` (secret): `{ hubRegistryKeys, dpsServicePolicyKey, groupPrimaryKeys,
 *   caKeys }`, where `caKeys` holds only CAs that issue device certificates (intermediates and
 *   imported CAs): a root's key never leaves the platform stack.
 */
import * as pulumi from "@pulumi/pulumi";
import type { ExternalPlatform } from "./cloud/fleet-cloud";
import type { ResolvedFleet } from "./fleet/resolve";
import type { IotEdgeFleet } from "./iotedge-fleet";
import type { ExternalCa } from "./pki";

export const PLATFORM_OUTPUTS = [
    "platformHubs",
    "platformDps",
    "platformCas",
    "platformSecrets",
] as const;

export interface PlatformHubs {
    [hub: string]: { hostName: string; registryPolicyName: string };
}

export interface PlatformDps {
    idScope: string;
    serviceHostName: string;
    servicePolicyName: string;
}

export interface PlatformCas {
    [ca: string]: { certPem: string; chainPem: string; rootPem: string };
}

export interface PlatformSecrets {
    hubRegistryKeys: Record<string, string>;
    dpsServicePolicyKey?: string;
    groupPrimaryKeys: Record<string, string>;
    caKeys: Record<string, string>;
}

export interface PlatformExports {
    platformHubs: pulumi.Output<PlatformHubs>;
    platformDps?: pulumi.Output<PlatformDps>;
    platformCas: pulumi.Output<PlatformCas>;
    platformSecrets: pulumi.Output<PlatformSecrets>;
}

/** Whether a CA's key is handed to fleet stacks: it issues device certificates there. */
export function exportsCaKey(ca: ResolvedFleet["pki"]["cas"][number]): boolean {
    return ca.issuer !== undefined || ca.import !== undefined;
}

/** The stack outputs a platform stack exports (index.ts). */
export function platformExports(fleet: ResolvedFleet, component: IotEdgeFleet): PlatformExports {
    const { cloud, pki } = component;
    const hubs = Object.entries(cloud.hubs);
    const dps = cloud.dps;
    const cas = Object.values(pki.cas);
    const issuing = new Set(fleet.pki.cas.filter(exportsCaKey).map((c) => c.name));
    return {
        platformHubs: pulumi.output(
            Object.fromEntries(
                hubs.map(([name, h]) => [
                    name,
                    { hostName: h.hostName, registryPolicyName: h.registryPolicyName },
                ]),
            ),
        ),
        platformDps:
            dps &&
            pulumi.output({
                idScope: dps.idScope,
                serviceHostName: dps.serviceOperationsHostName,
                servicePolicyName: dps.servicePolicyName,
            }),
        platformCas: pulumi.output(
            Object.fromEntries(
                cas.map((c) => [
                    c.name,
                    { certPem: c.certPem, chainPem: c.chainPem, rootPem: c.rootPem },
                ]),
            ),
        ),
        platformSecrets: pulumi.secret(
            pulumi.output({
                hubRegistryKeys: Object.fromEntries(
                    hubs.map(([name, h]) => [name, h.registryPolicyKey]),
                ),
                dpsServicePolicyKey: dps?.servicePolicyKey,
                groupPrimaryKeys: cloud.groupPrimaryKeys,
                caKeys: Object.fromEntries(
                    cas.filter((c) => issuing.has(c.name)).map((c) => [c.name, c.keyPem]),
                ),
            }),
        ) as pulumi.Output<PlatformSecrets>,
    };
}

/** What a fleet stack takes from its platform: the cloud facts and the CAs, as Outputs. */
export interface ReferencedPlatform {
    reference: pulumi.StackReference;
    cloud: ExternalPlatform;
    cas: Record<string, ExternalCa>;
}

/**
 * Reads the platform stack's outputs. Plain values of the (completed) model decide the shape:
 * which hubs, groups and CAs there are; the reference gives their values.
 */
export function referencePlatform(
    name: string,
    fleet: ResolvedFleet,
    opts: pulumi.CustomResourceOptions,
): ReferencedPlatform {
    if (!fleet.platform) throw new Error("referencePlatform: the fleet names no platform stack");
    const ref = fleet.platform.reference;
    const reference = new pulumi.StackReference(name, { name: ref }, opts);
    const output = <T>(key: (typeof PLATFORM_OUTPUTS)[number]) =>
        reference.getOutput(key) as pulumi.Output<T | undefined>;
    /**
     * One value out of a platform output. A value the platform does not export fails the
     * deployment with what to do; in a preview it is unknown instead, so a fleet stack can be
     * previewed before its platform's first `pulumi up` (and the offline plan, which supplies
     * only what the platform's model determines, shows the rest as unknown).
     */
    const pick = <T, R>(
        from: pulumi.Output<T | undefined>,
        get: (value: T) => R | undefined,
        what: string,
    ): pulumi.Output<R> =>
        // apply flattens an Output returned by its callback (pulumi/output.ts), so returning
        // the unknown Output makes the result unknown.
        from.apply((value): unknown => {
            const got = value === undefined ? undefined : get(value);
            if (got !== undefined) return got;
            if (pulumi.runtime.isDryRun()) {
                return pulumi.output(pulumi.unknown);
            }
            throw new Error(
                `platform stack "${ref}" exports no ${what}: run \`pulumi up\` on it first`,
            );
        }) as pulumi.Output<R>;
    const hubsOut = output<PlatformHubs>("platformHubs");
    const casOut = output<PlatformCas>("platformCas");
    const secretsOut = pulumi.secret(output<PlatformSecrets>("platformSecrets"));

    const hubs: ExternalPlatform["hubs"] = {};
    for (const h of fleet.hubs) {
        hubs[h.name] = {
            hostName: pick(hubsOut, (v) => v[h.name]?.hostName, `hub "${h.name}"`),
            registryPolicyName: pick(
                hubsOut,
                (v) => v[h.name]?.registryPolicyName,
                `hub "${h.name}"`,
            ),
            registryPolicyKey: pulumi.secret(
                pick(secretsOut, (s) => s.hubRegistryKeys?.[h.name], `key of hub "${h.name}"`),
            ),
        };
    }
    let dps: ExternalPlatform["dps"];
    if (fleet.dps) {
        const d = output<PlatformDps>("platformDps");
        dps = {
            idScope: pick(d, (v) => v.idScope, "DPS ID scope"),
            serviceOperationsHostName: pick(d, (v) => v.serviceHostName, "DPS host name"),
            servicePolicyName: pick(d, (v) => v.servicePolicyName, "DPS policy"),
            servicePolicyKey: pulumi.secret(
                pick(secretsOut, (s) => s.dpsServicePolicyKey, "DPS service key"),
            ),
        };
    }
    const groupPrimaryKeys: Record<string, pulumi.Output<string>> = {};
    for (const g of fleet.enrollmentGroups) {
        if (g.attestation.type !== "symmetricKey") continue;
        groupPrimaryKeys[g.name] = pulumi.secret(
            pick(secretsOut, (s) => s.groupPrimaryKeys?.[g.name], `key of group "${g.name}"`),
        );
    }
    const cas: Record<string, ExternalCa> = {};
    for (const ca of fleet.pki.cas) {
        const what = `CA "${ca.name}"`;
        cas[ca.name] = {
            certPem: pick(casOut, (v) => v[ca.name]?.certPem, what),
            chainPem: pick(casOut, (v) => v[ca.name]?.chainPem, what),
            rootPem: pick(casOut, (v) => v[ca.name]?.rootPem, what),
            keyPem: exportsCaKey(ca)
                ? pulumi.secret(pick(secretsOut, (s) => s.caKeys?.[ca.name], `key of ${what}`))
                : undefined,
        };
    }
    return { reference, cloud: { hubs, dps, groupPrimaryKeys }, cas };
}
