/**
 * PEM helpers and certificate thumbprints.
 *
 * Pure: no Pulumi import. The FleetPki component applies these to certificate Outputs; the
 * device and cloud layers can call them on plain PEM text too.
 */
import { createHash, X509Certificate } from "node:crypto";

/** SHA-1 and SHA-256 thumbprints of a certificate, as IoT Hub expects them. */
export interface Thumbprints {
    /** 40 uppercase hex characters, no separators (seed 000: "40-hex characters"). */
    sha1: string;
    /** 64 uppercase hex characters, no separators (seed 000: "64-hex characters"). */
    sha256: string;
}

const PEM_CERTIFICATE = /-----BEGIN CERTIFICATE-----\r?\n[\s\S]*?-----END CERTIFICATE-----/g;

/**
 * The certificates of a PEM text, in order, each normalised to `-----BEGIN ...` through
 * `-----END CERTIFICATE-----` with "\n" line ends and no trailing newline. Anything else in the
 * text (private keys, comments, `Bag Attributes` lines that openssl writes) is dropped.
 *
 * @param pem PEM text holding zero or more certificates.
 */
export function splitPemCertificates(pem: string): string[] {
    return (pem.match(PEM_CERTIFICATE) ?? []).map((block) => block.replace(/\r\n/g, "\n"));
}

/**
 * Concatenate certificates into one PEM chain, in the order given: the leaf first, then each
 * issuer up the chain (RFC 5246 §7.4.2 order, what IoT Edge and the demo scripts' `full-chain`
 * files use). Each part may itself hold several certificates (a CA's own chain). Only
 * certificates are kept, each ends with a newline, and empty or absent parts are skipped.
 *
 * @param parts PEM texts, leaf first.
 */
export function chainPem(parts: ReadonlyArray<string | undefined>): string {
    return parts
        .flatMap((part) => (part === undefined ? [] : splitPemCertificates(part)))
        .map((cert) => `${cert}\n`)
        .join("");
}

/**
 * The DER bytes of the first certificate of a PEM text.
 *
 * @param pem PEM text whose first certificate is wanted.
 * @throws when the text holds no certificate, or the first one is not valid base64.
 */
export function firstCertificateDer(pem: string): Buffer {
    const first = splitPemCertificates(pem)[0];
    if (first === undefined) {
        throw new Error("no PEM certificate (-----BEGIN CERTIFICATE-----) in the text");
    }
    const body = first
        .replace("-----BEGIN CERTIFICATE-----", "")
        .replace("-----END CERTIFICATE-----", "")
        .replace(/\s+/g, "");
    if (!/^[A-Za-z0-9+/]+={0,2}$/.test(body)) {
        throw new Error("the PEM certificate body is not base64");
    }
    return Buffer.from(body, "base64");
}

/**
 * Thumbprints of the first certificate of a PEM text: the hash of its DER encoding, uppercase
 * hex without colons, the form `az iot hub device-identity create --primary-thumbprint` and the
 * IoT Hub registry (`x509Thumbprint.primaryThumbprint`) take (seed 000). The same values as
 * `openssl x509 -noout -fingerprint -sha1` / `-sha256` with the colons removed.
 *
 * The certificate is parsed first (node:crypto X509Certificate), so a PEM block that is not a
 * certificate fails here instead of giving the thumbprint of garbage.
 *
 * @param pem PEM text; only its first certificate is used (the leaf of a full chain).
 */
export function thumbprints(pem: string): Thumbprints {
    const der = firstCertificateDer(pem);
    // Throws on anything that is not a DER certificate.
    new X509Certificate(der);
    return {
        sha1: createHash("sha1").update(der).digest("hex").toUpperCase(),
        sha256: createHash("sha256").update(der).digest("hex").toUpperCase(),
    };
}
