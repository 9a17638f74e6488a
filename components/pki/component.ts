/**
 * FleetPki: the fleet's CAs and every device certificate, declared with @pulumi/tls.
 *
 * What exists is decided by plan.ts from the resolved model; this file only declares the
 * resources and wires their outputs. Resource names (`${name}-<role>`):
 *
 * - CA `<ca>`:  `${name}-ca-<ca>-key`, `-csr` (intermediate only), `-cert`; nothing for an
 *   imported CA (its key comes from secret config).
 * - device `<id>`: `${name}-device-<id>-<role>-key`, `-csr`, `-cert`, with role
 *   `identity-primary`, `identity-secondary`, `edge-ca` or `est-bootstrap`.
 *
 * Names use the device ID, never a list position, so reordering `fleet.devices` replaces nothing.
 */
import * as pulumi from "@pulumi/pulumi";
import * as tls from "@pulumi/tls";
import type { ResolvedDevice, ResolvedPki } from "../fleet/resolve";
import type { SecretLookup } from "../fleet/secrets";
import { CaPlan, DeviceCertPlan, DevicePlan, KeySpec, planPki, PkiPlan } from "./plan";
import { chainPem, splitPemCertificates, thumbprints } from "./thumbprint";

/** Type token of the component. */
export const FLEET_PKI_TYPE = "iotedge:pki:FleetPki";

/**
 * Outputs of a `tls.PrivateKey` that hold the key. @pulumi/tls 5.x adds the same option itself;
 * it is stated here too so the guarantee does not rest on the SDK (STYLE.md). The Outputs the
 * component hands on are wrapped in `pulumi.secret()` as well, since mocks drop the option.
 */
const PRIVATE_KEY_SECRET_OUTPUTS = ["privateKeyPem", "privateKeyOpenssh", "privateKeyPemPkcs8"];

export interface FleetPkiArgs {
    /** The resolved `fleet.pki` (components/fleet/resolve.ts): CAs, default issuer, lifetimes. */
    pki: ResolvedPki;
    /**
     * The resolved devices. Only their plain settings shape the graph (method, Edge CA mode,
     * issuers, EST); each gets an entry in {@link FleetPki.devices}, keyed by device ID.
     */
    devices: ReadonlyArray<ResolvedDevice>;
    /** Resolves `import.privateKeySecret` of imported CAs to the key PEM (secret config). */
    secret: SecretLookup;
    /**
     * CAs declared elsewhere, by model name: in a fleet stack, the platform stack's CAs read
     * through a StackReference (components/platform.ts). No resource is declared for them.
     */
    externalCas?: Record<string, ExternalCa>;
}

/** A CA this component uses but does not declare. */
export interface ExternalCa {
    certPem: pulumi.Input<string>;
    chainPem: pulumi.Input<string>;
    rootPem: pulumi.Input<string>;
    /** Secret. Absent for a CA that issues nothing here (a platform's root). */
    keyPem?: pulumi.Input<string>;
}

/** A CA of the fleet, generated or imported. */
export interface CaPki {
    /** The model's CA name (`fleet.pki.cas[].name`). */
    name: string;
    /** "root" and "intermediate" are generated here; "imported" came from config. */
    kind: CaPlan["kind"];
    /** The CA certificate alone, PEM. Upload this one to DPS / IoT Hub as a verified CA. */
    certPem: pulumi.Output<string>;
    /** The CA's private key, PEM. Secret. Absent for an external CA whose key stays elsewhere. */
    keyPem?: pulumi.Output<string>;
    /** This CA's certificate, then its issuers up to and including the root, PEM. */
    chainPem: pulumi.Output<string>;
    /** The root (top) certificate of this CA's chain, PEM: a trust bundle for what it issues. */
    rootPem: pulumi.Output<string>;
    /** SHA-1 thumbprint of `certPem`, 40 uppercase hex characters. */
    thumbprintSha1: pulumi.Output<string>;
    /** SHA-256 thumbprint of `certPem`, 64 uppercase hex characters. */
    thumbprintSha256: pulumi.Output<string>;
}

/** A certificate issued to a device, with its key. */
export interface IssuedCert {
    /** Subject common name (device ID, registration ID or the Edge CA name). */
    commonName: string;
    /** Model name of the issuing CA. */
    issuer: string;
    /** The certificate alone, PEM. Register this one in DPS individual enrollments. */
    certPem: pulumi.Output<string>;
    /**
     * The certificate, then its issuing CAs up to and including the root, PEM: the file
     * config.toml points at (`identity_cert`, `[edge_ca] cert`, `bootstrap_identity_cert`).
     * Seed 003: "IoT Edge requires the certificate and private key to be: PEM format, separate
     * files, in most cases with the full chain"; seed 001: "at least the device identity and
     * the intermediate certificates". The root is included as in the Microsoft demo scripts'
     * `*-full-chain.cert.pem` files (seeds 001, 004); a TLS peer ignores a root it is sent.
     */
    fullChainPem: pulumi.Output<string>;
    /** The private key, PEM (its own file, seed 003). Secret. */
    keyPem: pulumi.Output<string>;
    /** SHA-1 thumbprint of `certPem`: 40 uppercase hex characters, no colons (seed 000). */
    thumbprintSha1: pulumi.Output<string>;
    /** SHA-256 thumbprint of `certPem`: 64 uppercase hex characters, no colons (seed 000). */
    thumbprintSha256: pulumi.Output<string>;
}

/** The PKI material of one device. */
export interface DevicePki {
    /** IoT Hub device ID (the key of {@link FleetPki.devices}). */
    deviceId: string;
    /**
     * Identity certificates, for the methods whose identity our PKI issues. `manual-x509`:
     * primary and secondary (both thumbprints go to the hub, seed 000; only primary with
     * `authentication: certificateAuthority`), CN = device ID. `dps-x509`: primary only,
     * CN = registration ID (seed 001). The device uses `primary`.
     */
    identity?: { primary: IssuedCert; secondary?: IssuedCert };
    /**
     * Edge CA certificate, when `edgeCa.mode` is "pki": a CA certificate (CA:TRUE,
     * keyCertSign, digitalSignature), CN = `edgeCa.commonName` (seed 003 "Manage Edge CA").
     */
    edgeCa?: IssuedCert;
    /** EST bootstrap identity certificate (CN = registration ID), when the device uses EST. */
    estBootstrap?: IssuedCert;
    /**
     * `trust_bundle_cert`: the root certificate of the Edge CA's chain, PEM (seed 003 "Manage
     * trusted root CA"). Absent when the Edge CA is not ours (quickstart, EST).
     */
    trustBundlePem?: pulumi.Output<string>;
}

/**
 * The fleet's PKI: generated root and intermediate CAs (issuers first, whatever their listed
 * order), imported CAs, and per device its identity, Edge CA and EST bootstrap certificates.
 *
 * Keys are ECDSA P-256 unless the CA says RSA-2048; a device key takes its issuing CA's
 * algorithm. Lifetimes and early renewal come from the model (days, here hours).
 *
 * Path length: the Edge CA certificate asks for `maxPathLength: 0` (it issues leaf
 * certificates only), but terraform-provider-tls (internal/provider/common_cert.go, behind
 * @pulumi/tls 5.x) copies 0 into Go's `x509.Certificate.MaxPathLen` without setting
 * `MaxPathLenZero`, which Go reads as "no constraint": the issued certificate has CA:TRUE and
 * no pathlen. IoT Edge does not need one; the value takes effect if the provider fixes it.
 * Intermediates get no path length constraint (their depth would have to count the Edge CAs).
 */
export class FleetPki extends pulumi.ComponentResource {
    /** Every CA, by model name. */
    public readonly cas: Record<string, CaPki>;
    /** Every device of `args.devices`, by device ID (also those that need no certificate). */
    public readonly devices: Record<string, DevicePki>;

    /**
     * @param name component name; prefix of every child's name.
     * @param args the resolved PKI and devices, and how to read secret config.
     * @param opts component options.
     * @throws (before any resource is declared) when the model cannot be planned; see planPki.
     */
    constructor(name: string, args: FleetPkiArgs, opts?: pulumi.ComponentResourceOptions) {
        const plan = planPki(args.pki, args.devices);
        super(FLEET_PKI_TYPE, name, {}, opts);
        const built = buildFleetPki(this, name, plan, args.secret, args.externalCas ?? {});
        this.cas = built.cas;
        this.devices = built.devices;
        this.registerOutputs({ cas: this.cas, devices: this.devices });
    }
}

interface BuiltPki {
    cas: Record<string, CaPki>;
    devices: Record<string, DevicePki>;
}

function buildFleetPki(
    parent: pulumi.ComponentResource,
    name: string,
    plan: PkiPlan,
    secret: SecretLookup,
    external: Record<string, ExternalCa>,
): BuiltPki {
    const opts = { parent };
    const cas: Record<string, CaPki> = {};
    for (const ca of plan.cas) {
        const ext = external[ca.name];
        cas[ca.name] = ext
            ? externalCa(ca, ext)
            : declareCa(`${name}-ca-${ca.name}`, ca, cas, secret, opts);
    }
    const devices: Record<string, DevicePki> = {};
    for (const device of plan.devices) {
        devices[device.deviceId] = declareDevice(
            `${name}-device-${device.deviceId}`,
            device,
            cas,
            opts,
        );
    }
    return { cas, devices };
}

function privateKey(name: string, key: KeySpec, opts: pulumi.CustomResourceOptions) {
    const args: tls.PrivateKeyArgs =
        key.algorithm === "ECDSA"
            ? { algorithm: key.algorithm, ecdsaCurve: key.ecdsaCurve }
            : { algorithm: key.algorithm, rsaBits: key.rsaBits };
    const resource = new tls.PrivateKey(name, args, {
        ...opts,
        additionalSecretOutputs: PRIVATE_KEY_SECRET_OUTPUTS,
    });
    return pulumi.secret(resource.privateKeyPem);
}

function declareCa(
    prefix: string,
    ca: CaPlan,
    declared: Record<string, CaPki>,
    secret: SecretLookup,
    opts: pulumi.CustomResourceOptions,
): CaPki {
    let certPem: pulumi.Output<string>;
    let keyPem: pulumi.Output<string>;
    let chain: pulumi.Output<string>;
    let rootPem: pulumi.Output<string>;
    switch (ca.kind) {
        case "imported": {
            const own = splitPemCertificates(ca.certificatePem);
            certPem = pulumi.output(chainPem([own[0]]));
            keyPem = pulumi.secret(secret(ca.privateKeySecret));
            chain = pulumi.output(chainPem([ca.certificatePem, ca.issuersPem]));
            rootPem = pulumi.output(ca.rootPem);
            break;
        }
        case "root": {
            keyPem = privateKey(`${prefix}-key`, ca.key, opts);
            const cert = new tls.SelfSignedCert(
                `${prefix}-cert`,
                {
                    privateKeyPem: keyPem,
                    subject: ca.subject,
                    isCaCertificate: true,
                    allowedUses: ca.allowedUses,
                    validityPeriodHours: ca.validityHours,
                    earlyRenewalHours: ca.earlyRenewalHours,
                    setSubjectKeyId: true,
                    setAuthorityKeyId: true,
                },
                { ...opts, additionalSecretOutputs: ["privateKeyPem"] },
            );
            certPem = cert.certPem;
            chain = certPem.apply((c) => chainPem([c]));
            rootPem = chain;
            break;
        }
        case "intermediate": {
            const issuer = declared[ca.issuer!];
            keyPem = privateKey(`${prefix}-key`, ca.key, opts);
            certPem = signedCert(
                prefix,
                keyPem,
                issuer,
                {
                    subject: ca.subject,
                    isCaCertificate: true,
                    allowedUses: ca.allowedUses,
                    validityPeriodHours: ca.validityHours,
                    earlyRenewalHours: ca.earlyRenewalHours,
                },
                opts,
            );
            chain = pulumi.all([certPem, issuer.chainPem]).apply(([c, up]) => chainPem([c, up]));
            rootPem = declared[ca.rootName].rootPem;
            break;
        }
        default: {
            const exhaustive: never = ca;
            throw new Error(`unknown CA kind ${JSON.stringify(exhaustive)}`);
        }
    }
    const tp = certPem.apply(thumbprints);
    return {
        name: ca.name,
        kind: ca.kind,
        certPem,
        keyPem,
        chainPem: chain,
        rootPem,
        thumbprintSha1: tp.apply((t) => t.sha1),
        thumbprintSha256: tp.apply((t) => t.sha256),
    };
}

function externalCa(ca: CaPlan, ext: ExternalCa): CaPki {
    const certPem = pulumi.output(ext.certPem);
    const tp = certPem.apply(thumbprints);
    return {
        name: ca.name,
        kind: ca.kind,
        certPem,
        keyPem: ext.keyPem === undefined ? undefined : pulumi.secret(ext.keyPem),
        chainPem: pulumi.output(ext.chainPem),
        rootPem: pulumi.output(ext.rootPem),
        thumbprintSha1: tp.apply((t) => t.sha1),
        thumbprintSha256: tp.apply((t) => t.sha256),
    };
}

/** A CSR for `keyPem` and its certificate signed by `issuer`; returns the certificate PEM. */
function signedCert(
    prefix: string,
    keyPem: pulumi.Output<string>,
    issuer: CaPki,
    cert: {
        subject: { commonName: string; organization?: string };
        isCaCertificate: boolean;
        maxPathLength?: number;
        allowedUses: string[];
        validityPeriodHours: number;
        earlyRenewalHours: number;
    },
    opts: pulumi.CustomResourceOptions,
): pulumi.Output<string> {
    if (issuer.keyPem === undefined) {
        // checkFleet keeps a fleet stack's devices off the platform's root; this is the guard.
        throw new Error(
            `CA "${issuer.name}" has no key in this stack, so it cannot sign ${prefix}`,
        );
    }
    const csr = new tls.CertRequest(
        `${prefix}-csr`,
        { privateKeyPem: keyPem, subject: cert.subject },
        { ...opts, additionalSecretOutputs: ["privateKeyPem"] },
    );
    const signed = new tls.LocallySignedCert(
        `${prefix}-cert`,
        {
            certRequestPem: csr.certRequestPem,
            caCertPem: issuer.certPem,
            caPrivateKeyPem: issuer.keyPem,
            isCaCertificate: cert.isCaCertificate,
            ...(cert.maxPathLength === undefined ? {} : { maxPathLength: cert.maxPathLength }),
            allowedUses: cert.allowedUses,
            validityPeriodHours: cert.validityPeriodHours,
            earlyRenewalHours: cert.earlyRenewalHours,
            setSubjectKeyId: true,
        },
        { ...opts, additionalSecretOutputs: ["caPrivateKeyPem"] },
    );
    return signed.certPem;
}

function declareDevice(
    prefix: string,
    device: DevicePlan,
    cas: Record<string, CaPki>,
    opts: pulumi.CustomResourceOptions,
): DevicePki {
    const issue = (plan: DeviceCertPlan): IssuedCert =>
        issueDeviceCert(`${prefix}-${plan.role}`, plan, cas[plan.issuer], opts);
    const out: DevicePki = { deviceId: device.deviceId };
    if (device.identity) {
        const primary = issue(device.identity.primary);
        out.identity = device.identity.secondary
            ? { primary, secondary: issue(device.identity.secondary) }
            : { primary };
    }
    if (device.edgeCa) out.edgeCa = issue(device.edgeCa);
    if (device.estBootstrap) out.estBootstrap = issue(device.estBootstrap);
    if (device.trustBundleCa !== undefined) out.trustBundlePem = cas[device.trustBundleCa].rootPem;
    return out;
}

function issueDeviceCert(
    prefix: string,
    plan: DeviceCertPlan,
    issuer: CaPki,
    opts: pulumi.CustomResourceOptions,
): IssuedCert {
    const keyPem = privateKey(`${prefix}-key`, plan.key, opts);
    const certPem = signedCert(
        prefix,
        keyPem,
        issuer,
        {
            subject: plan.subject,
            isCaCertificate: plan.isCaCertificate,
            maxPathLength: plan.maxPathLength,
            allowedUses: plan.allowedUses,
            validityPeriodHours: plan.validityHours,
            earlyRenewalHours: plan.earlyRenewalHours,
        },
        opts,
    );
    const tp = certPem.apply(thumbprints);
    return {
        commonName: plan.subject.commonName,
        issuer: plan.issuer,
        certPem,
        fullChainPem: pulumi
            .all([certPem, issuer.chainPem])
            .apply(([leaf, up]) => chainPem([leaf, up])),
        keyPem,
        thumbprintSha1: tp.apply((t) => t.sha1),
        thumbprintSha256: tp.apply((t) => t.sha256),
    };
}
