/**
 * config.toml rules that fleet/validate.ts does not already check: what `iotedge config apply`,
 * the identity/cert services or the cloud would reject (or silently break on) in the file that
 * ./render.ts writes for a device.
 *
 * Pure: no Pulumi import. validate.ts already covers: renewal policy grammar, quickstart
 * rotate_key, cloud_timeout_sec >= 70, DPS + parent_hostname, Edge CA CN vs device ID/hostname,
 * hostname syntax and length, an EST server for the EST modes. Each rule below cites its source:
 * ../shared/reference/FACTS.md or a seed document.
 */
import { FleetProblem } from "../fleet/validate";
import { ResolvedDevice } from "../fleet/resolve";
import { usesEst } from "./render";

/** X.509 caps a CN at 64 characters; IoT Edge truncates longer ones (FACTS.md §2). */
const MAX_CN = 64;

/** The edgeAgent image Microsoft publishes; its tag is the IoT Edge minor version. */
const MS_AGENT_IMAGE = /^mcr\.microsoft\.com\/azureiotedge-agent:(\d+\.\d+)(?:[.-].*)?$/;

/**
 * Problems in the config.toml this device would get, each with the path of the fleet field to
 * change. Call it after `checkFleet` succeeded (it reads the resolved device).
 *
 * @param device a resolved device (`checkFleet(raw).fleet.devices[i]`).
 * @returns the problems, sorted by path then message; empty when the config is fine.
 */
export function configProblems(device: ResolvedDevice): FleetProblem[] {
    const problems: FleetProblem[] = [];
    const path = `fleet.devices[${device.index}]`;
    const add = (at: string, message: string) => problems.push({ path: `${path}.${at}`, message });
    const p = device.provisioning;

    // Identity certificate CN. Seed 000: CN = device ID (manual X.509); seed 001: CN =
    // registration ID (DPS X.509); the EST identity is requested with common_name = registration
    // ID (render.ts). A CN is truncated to 64 characters when the name is built (FACTS.md §2), so
    // a longer ID gives a certificate that no longer matches its identity.
    if (p.method === "manual-x509" && device.deviceId.length > MAX_CN) {
        add(
            "deviceId",
            `${device.deviceId.length} characters: an X.509 device's certificate CN is its device ID and is cut to ${MAX_CN} characters (FACTS.md §2), so it would no longer match; use at most ${MAX_CN}`,
        );
    }
    if (
        (p.method === "dps-x509" || p.method === "dps-x509-est") &&
        device.registrationId.length > MAX_CN
    ) {
        add(
            "registrationId",
            `${device.registrationId.length} characters: the identity certificate CN is the registration ID and is cut to ${MAX_CN} characters (FACTS.md §2), so DPS would not match it; use at most ${MAX_CN}`,
        );
    }

    // EST server (seed 003; FACTS.md §2). Only checked where config.toml uses it.
    if (usesEst(device) && device.est) {
        let url: URL | undefined;
        try {
            url = new URL(device.est.url);
        } catch {
            // The schema checks the URL syntax; nothing more to say here.
        }
        if (url && url.protocol !== "https:") {
            // IoT Edge only warns about http:// (FACTS.md §2), but our only EST auth is the
            // bootstrap client certificate, which needs TLS: over http the server never sees it.
            add(
                "est.url",
                `"${url.protocol}" EST URL: use https:// (authentication is by bootstrap client certificate, which needs TLS; IoT Edge only warns about http://)`,
            );
        }
        if (url && !url.pathname.startsWith("/.well-known/est")) {
            // RFC 7030 §3.2.2: EST operations live under /.well-known/est (template example
            // "https://example.org/.well-known/est"); IoT Edge appends the operation name.
            add(
                "est.url",
                `path "${url.pathname}": EST endpoints are under /.well-known/est (RFC 7030 §3.2.2), e.g. "https://est.example.com/.well-known/est"`,
            );
        }
        if (
            device.est.trustedCaPem !== undefined &&
            !/-----BEGIN CERTIFICATE-----/.test(device.est.trustedCaPem)
        ) {
            // `trusted_certs` points at a PEM file (template; seed 003 requires PEM).
            add("est.trustedCaPem", "must be a PEM certificate (-----BEGIN CERTIFICATE-----)");
        }
    }

    // Quickstart Edge CA renewal (seed 003, auto_renew table): "To avoid unintentional
    // misconfiguration where the threshold is bigger than the certificate lifetime, we recommend
    // using percentage". A threshold at or past the lifetime renews on every check, and every
    // renewal restarts all modules (seed 003 "Plan for Edge CA renewal").
    const ca = device.edgeCa;
    if (ca.mode === "quickstart" && ca.autoRenew) {
        for (const key of ["threshold", "retry"] as const) {
            const minutes = absoluteMinutes(ca.autoRenew[key]);
            if (minutes !== undefined && minutes >= ca.expiryDays * 24 * 60) {
                add(
                    `edgeCa.autoRenew.${key}`,
                    `"${ca.autoRenew[key]}" is not shorter than the Edge CA lifetime (expiryDays = ${ca.expiryDays}): use a percentage or a shorter time (seed 003)`,
                );
            }
        }
    }

    // Nested edge: a device cannot be its own parent gateway.
    if (
        device.parentHostname !== undefined &&
        device.hostname !== undefined &&
        device.parentHostname.toLowerCase() === device.hostname.toLowerCase()
    ) {
        add(
            "parentHostname",
            "equals the device's own hostname: a child device names its parent gateway",
        );
    }

    // `[agent.config] image` (FACTS.md §2: required when `[agent]` is present; render.ts always
    // writes `[agent]`). Pinned so every device runs the reviewed image.
    const image = device.agentImage;
    if (image.trim() === "" || /\s/.test(image)) {
        add("agentImage", `"${image}" is not an image reference`);
    } else if (!/@sha256:[0-9a-f]{64}$/.test(image) && !/:[^/:]+$/.test(image)) {
        add(
            "agentImage",
            `"${image}" has no tag or digest: pin one (e.g. "mcr.microsoft.com/azureiotedge-agent:1.5")`,
        );
    } else {
        // FACTS.md §1/§2: IoT Edge 1.5 pairs with edgeAgent :1.5 (template; `main` uses :1.6).
        const m = MS_AGENT_IMAGE.exec(image);
        const runtime = /^(\d+\.\d+)\./.exec(device.versions.aziotEdge);
        if (m && runtime && m[1] !== runtime[1]) {
            add(
                "agentImage",
                `edgeAgent ${m[1]} does not match aziot-edge ${device.versions.aziotEdge}: use the agent of the runtime's release ("mcr.microsoft.com/azureiotedge-agent:${runtime[1]}")`,
            );
        }
    }

    return problems.sort((a, b) =>
        a.path === b.path ? a.message.localeCompare(b.message) : a.path < b.path ? -1 : 1,
    );
}

/**
 * Minutes of an absolute renewal policy value (`<n>min`, `<n>day`), undefined for a percentage
 * or a malformed value (validate.ts reports those). Grammar: FACTS.md §2.
 */
function absoluteMinutes(value: string): number | undefined {
    const m = /^(\d+)(min|day)$/.exec(value);
    if (!m) return undefined;
    return m[2] === "day" ? Number(m[1]) * 24 * 60 : Number(m[1]);
}
