/**
 * Service shared access signatures for the DPS service API and the IoT Hub registry.
 *
 * Pure (node:crypto only, no Pulumi import) so the dynamic providers can carry it across
 * `serializeFunction` and the fake services in the tests can verify what it produces.
 *
 * Format and algorithm (../shared/reference/FACTS.md §3, §4; azure-docs
 * articles/iot-dps/how-to-control-access.md, articles/iot-hub/authenticate-authorize-sas.md):
 * `SharedAccessSignature sr={url-encoded resourceURI}&sig={url-encoded base64 HMAC-SHA256}
 * &se={unix seconds}&skn={policy}`, string-to-sign `{url-encoded resourceURI}\n{se}`, key
 * base64-decoded. For service tokens the resource URI is the service host name.
 */
import * as crypto from "crypto";

/** Default token lifetime; the Node SDKs also refresh to now + 3600 s (FACTS.md §3). */
export const DEFAULT_SAS_TTL_SECONDS = 3600;

/** Inputs of {@link createSharedAccessSignature}. */
export interface SharedAccessSignatureArgs {
    /**
     * Resource URI the token grants access to: the service host name for service tokens
     * (`mydps.azure-devices-provisioning.net`, `myhub.azure-devices.net`; FACTS.md §3, §4).
     * Lower-cased before encoding, as the docs prescribe (host names are case-insensitive).
     */
    resourceUri: string;
    /** Shared access policy name, sent as `skn` (e.g. `provisioningserviceowner`, `iothubowner`). */
    keyName: string;
    /** Policy key, base64 as shown in the portal; it is base64-decoded before signing. */
    key: string;
    /** Expiry as Unix seconds (`se`). */
    expiresAtSeconds: number;
}

/**
 * `encodeURIComponent` that also escapes `! ' ( ) *`, like the SDKs' `encodeUriComponentStrict`,
 * so the `sr` we sign is byte-identical to the one a strict parser re-encodes.
 */
export function encodeUriComponentStrict(value: string): string {
    return encodeURIComponent(value).replace(
        /[!'()*]/g,
        (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`,
    );
}

/** Base64 HMAC-SHA256 of `stringToSign` under the base64-decoded `key`. */
export function signSas(key: string, stringToSign: string): string {
    return crypto
        .createHmac("sha256", Buffer.from(key, "base64"))
        .update(stringToSign, "utf8")
        .digest("base64");
}

/** Builds `SharedAccessSignature sr=…&sig=…&se=…&skn=…` (FACTS.md §3). */
export function createSharedAccessSignature(args: SharedAccessSignatureArgs): string {
    if (!Number.isInteger(args.expiresAtSeconds) || args.expiresAtSeconds <= 0) {
        throw new Error("SAS expiry must be a positive integer number of Unix seconds");
    }
    if (args.keyName === "") {
        throw new Error("SAS policy name (skn) must not be empty");
    }
    if (args.key === "") {
        throw new Error("SAS policy key must not be empty");
    }
    const sr = encodeUriComponentStrict(args.resourceUri.toLowerCase());
    const se = String(args.expiresAtSeconds);
    const sig = encodeUriComponentStrict(signSas(args.key, `${sr}\n${se}`));
    return `SharedAccessSignature sr=${sr}&sig=${sig}&se=${se}&skn=${encodeUriComponentStrict(
        args.keyName,
    )}`;
}

/**
 * A service token for a DPS instance or an IoT hub: resource URI = host name, valid from `nowMs`
 * for `ttlSeconds`. Called once per request so a long `pulumi up` never sends an expired token.
 */
export function createServiceSasToken(
    hostName: string,
    policyName: string,
    policyKey: string,
    nowMs: number,
    ttlSeconds: number = DEFAULT_SAS_TTL_SECONDS,
): string {
    return createSharedAccessSignature({
        resourceUri: hostName,
        keyName: policyName,
        key: policyKey,
        expiresAtSeconds: Math.floor(nowMs / 1000) + ttlSeconds,
    });
}

/** The fields of a parsed token, still URL-encoded as sent (`sr`, `sig` are signed that way). */
export interface ParsedSharedAccessSignature {
    sr: string;
    sig: string;
    se: string;
    skn: string;
}

/** Parses a `SharedAccessSignature …` header value; undefined if it is not one. */
export function parseSharedAccessSignature(value: string): ParsedSharedAccessSignature | undefined {
    const prefix = "SharedAccessSignature ";
    if (!value.startsWith(prefix)) {
        return undefined;
    }
    const fields: Record<string, string> = {};
    for (const part of value.slice(prefix.length).split("&")) {
        const eq = part.indexOf("=");
        if (eq <= 0) {
            return undefined;
        }
        fields[part.slice(0, eq)] = part.slice(eq + 1);
    }
    const { sr, sig, se, skn } = fields;
    if (sr === undefined || sig === undefined || se === undefined || skn === undefined) {
        return undefined;
    }
    return { sr, sig, se, skn };
}
