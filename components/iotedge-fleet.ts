/**
 * IotEdgeFleet: the whole fleet from one validated model: PKI, cloud side, and one EdgeDevice
 * per device. The pieces stay usable on their own (components/pki, cloud, device); this is how
 * they are wired: which certificate, key and cloud fact each device file and config.toml takes.
 */
import * as pulumi from "@pulumi/pulumi";
import { FleetCloud } from "./cloud";
import { EdgeDevice, EdgeDeviceArgs, EdgeDeviceFile } from "./device/edge-device";
import { DEVICE_FILES, DeviceFileRole, DeviceFileSpec } from "./device/layout";
import { deviceFileRoles, renderConfigToml } from "./device/render";
import { ResolvedDevice, ResolvedFleet } from "./fleet/resolve";
import { SecretLookup } from "./fleet/secrets";
import { referencePlatform } from "./platform";
import { DevicePki, FleetPki } from "./pki";

export const IOTEDGE_FLEET_TYPE = "iotedge:index:IotEdgeFleet";

export interface IotEdgeFleetArgs {
    /** The validated fleet (`checkFleet(raw).fleet` / `loadFleetFromConfig()`). */
    fleet: ResolvedFleet;
    /** Resolves the model's `...Secret` config keys (SSH keys, imported CA keys, group keys). */
    secrets: SecretLookup;
}

/** What the fleet knows of one device once declared. */
export interface FleetDeviceOutputs {
    /** The device's config.toml, as the apply step writes it (no secret inside). */
    configToml: pulumi.Output<string>;
    /** Files placed on the device, with owner, group and mode (layout.ts). */
    files: DeviceFileSpec[];
    /** The device's EdgeDevice component (its SSH steps). */
    component: EdgeDevice;
}

export class IotEdgeFleet extends pulumi.ComponentResource {
    public readonly pki: FleetPki;
    public readonly cloud: FleetCloud;
    public readonly devices: Record<string, FleetDeviceOutputs>;

    constructor(name: string, args: IotEdgeFleetArgs, opts?: pulumi.ComponentResourceOptions) {
        super(IOTEDGE_FLEET_TYPE, name, {}, opts);
        const { fleet, secrets } = args;

        // A fleet stack declares its devices only; the cloud side and CAs are its platform
        // stack's, read through a StackReference (components/platform.ts).
        const platform = fleet.platform
            ? referencePlatform(`${name}-platform`, fleet, { parent: this })
            : undefined;
        this.pki = new FleetPki(
            `${name}-pki`,
            {
                pki: fleet.pki,
                devices: fleet.devices,
                secret: secrets,
                externalCas: platform?.cas,
            },
            { parent: this },
        );
        const caCertPem = Object.fromEntries(
            Object.entries(this.pki.cas).map(([ca, c]) => [ca, c.certPem]),
        );
        const deviceCerts = Object.fromEntries(
            Object.values(this.pki.devices)
                .filter((d) => d.identity !== undefined)
                .map((d) => [
                    d.deviceId,
                    {
                        primaryThumbprint: d.identity!.primary.thumbprintSha256,
                        secondaryThumbprint: d.identity!.secondary?.thumbprintSha256,
                        primaryCertPem: d.identity!.primary.certPem,
                    },
                ]),
        );
        this.cloud = new FleetCloud(
            `${name}-cloud`,
            { fleet, caCertPem, deviceCerts, secrets, platform: platform?.cloud },
            { parent: this },
        );

        this.devices = {};
        for (const device of fleet.devices) {
            this.devices[device.deviceId] = this.declareDevice(name, fleet, device, secrets);
        }
        this.registerOutputs({});
    }

    private declareDevice(
        name: string,
        fleet: ResolvedFleet,
        device: ResolvedDevice,
        secrets: SecretLookup,
    ): FleetDeviceOutputs {
        const id = device.deviceId;
        const devicePki = this.pki.devices[id];
        const cloud = this.cloud.devices[id] ?? {};
        // Trust bundle: the root of the Edge CA's chain; for a device whose Edge CA is not ours
        // (nested child, OS trust store) the root of the fleet's default issuer.
        const rootPem = devicePki.trustBundlePem ?? this.pki.cas[fleet.pki.defaultIssuer].rootPem;

        const roles = deviceFileRoles(device);
        const files: EdgeDeviceFile[] = roles.map((role) =>
            deviceFile(role, device, devicePki, cloud.symmetricKey, rootPem),
        );
        const configToml = pulumi
            .all([cloud.idScope, cloud.hubHostName])
            .apply(([idScope, hubHostName]) => renderConfigToml(device, { idScope, hubHostName }));

        const ssh = device.ssh;
        const connection: EdgeDeviceArgs["connection"] = {
            host: ssh.host,
            port: ssh.port,
            user: ssh.user,
            privateKey: secrets(ssh.privateKeySecret),
            jump: ssh.jump && {
                host: ssh.jump.host,
                port: ssh.jump.port,
                user: ssh.jump.user,
                privateKey: secrets(ssh.jump.privateKeySecret),
            },
        };
        const p = device.provisioning;
        const component = new EdgeDevice(
            `${name}-device-${id}`,
            {
                deviceId: id,
                kind: device.kind,
                connection,
                versions: device.versions,
                files,
                configToml,
                trustStoreCa: device.osTrustStore ? rootPem : undefined,
                purgeOnDelete: device.purgeOnDelete,
                eflow:
                    device.kind === "eflow" && cloud.idScope
                        ? {
                              idScope: cloud.idScope,
                              registrationId: device.registrationId,
                              provisioningType:
                                  p.method === "dps-x509" ? "DpsX509" : "DpsSymmetricKey",
                          }
                        : undefined,
            },
            { parent: this },
        );
        return { configToml, files: roles.map((r) => DEVICE_FILES[r]), component };
    }
}

/** The content of one device file, from the PKI or the cloud side. */
function deviceFile(
    role: DeviceFileRole,
    device: ResolvedDevice,
    pki: DevicePki,
    symmetricKey: pulumi.Output<string> | undefined,
    rootPem: pulumi.Output<string>,
): EdgeDeviceFile {
    const need = <T>(value: T | undefined, what: string): T => {
        if (value === undefined) {
            // A gap between the renderer's file list and what the PKI/cloud declared: a bug
            // of ours, not of the fleet model (checkFleet has passed).
            throw new Error(`device ${device.deviceId}: no ${what} for file ${role}`);
        }
        return value;
    };
    switch (role) {
        case "trust-bundle":
            return { role, content: rootPem };
        case "identity-cert":
            return {
                role,
                content: need(pki.identity, "identity certificate").primary.fullChainPem,
            };
        case "identity-key":
            return { role, content: need(pki.identity, "identity key").primary.keyPem };
        case "edge-ca-cert":
            return { role, content: need(pki.edgeCa, "Edge CA certificate").fullChainPem };
        case "edge-ca-key":
            return { role, content: need(pki.edgeCa, "Edge CA key").keyPem };
        case "symmetric-key":
            // aziot-keyd reads a preloaded symmetric key file as raw bytes (render.ts notes the
            // source), so the base64 key is decoded on its way to the file.
            return { role, content: need(symmetricKey, "symmetric key"), encoding: "base64" };
        case "est-bootstrap-cert":
            return {
                role,
                content: need(pki.estBootstrap, "EST bootstrap certificate").fullChainPem,
            };
        case "est-bootstrap-key":
            return { role, content: need(pki.estBootstrap, "EST bootstrap key").keyPem };
        case "est-trusted-certs":
            return { role, content: need(device.est?.trustedCaPem, "EST trusted CA") };
        default: {
            const exhaustive: never = role;
            throw new Error(`unknown file role ${String(exhaustive)}`);
        }
    }
}
