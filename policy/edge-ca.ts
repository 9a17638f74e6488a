/**
 * Which Edge CA a rendered IoT Edge config.toml asks for. Pure: no Pulumi import, no I/O.
 *
 * IoT Edge 1.5 reads `[edge_ca]` as an untagged enum tried in order (FACTS.md §2): Issued
 * (`method` = `est` | `local_ca` | `self_signed`), Preloaded (`cert` + `pk`), Quickstart
 * (`auto_generated_edge_ca_expiry_days`); when the table is absent it generates a quickstart
 * Edge CA valid 90 days. `method = "self_signed"` is the quickstart CA with custom options
 * (FACTS.md §2, test fixture `ca-quickstart-custom`), so it counts as quickstart here.
 */
import { parse, TomlError } from "smol-toml";

/**
 * - `files`: certificate and key preloaded from files (our PKI; components/device/render.ts).
 * - `est`: issued by an EST server.
 * - `local_ca`: issued on the device by `[cert_issuance.local_ca]`.
 * - `quickstart`: generated and self-signed by IoT Edge.
 * - `invalid`: not TOML, or an `[edge_ca]` IoT Edge would not accept.
 */
export type EdgeCaMode = "files" | "est" | "local_ca" | "quickstart" | "invalid";

/** What {@link edgeCaOf} found, with the config.toml key that decided it. */
export interface EdgeCaFinding {
    mode: EdgeCaMode;
    /** The deciding key or reason, for messages, e.g. `edge_ca.auto_generated_edge_ca_expiry_days = 90`. */
    detail: string;
}

/** The modes the Edge CA policy accepts by default: our PKI's files, or EST. */
export const DEFAULT_ALLOWED_EDGE_CA_MODES: readonly EdgeCaMode[] = ["files", "est"];

function isTable(v: unknown): v is Record<string, unknown> {
    return typeof v === "object" && v !== null && !Array.isArray(v) && !(v instanceof Date);
}

/**
 * Classify the Edge CA of a config.toml. Messages never quote the document beyond the
 * `[edge_ca]` keys (config.toml should carry no secret, STYLE.md, but a policy message is no
 * place to test that).
 *
 * @param configToml the rendered config.toml text.
 */
export function edgeCaOf(configToml: string): EdgeCaFinding {
    let doc: Record<string, unknown>;
    try {
        doc = parse(configToml) as Record<string, unknown>;
    } catch (e) {
        const where = e instanceof TomlError ? ` (line ${e.line}, column ${e.column})` : "";
        return { mode: "invalid", detail: `config.toml is not valid TOML${where}` };
    }
    const ca = doc.edge_ca;
    if (ca === undefined) {
        return {
            mode: "quickstart",
            detail: "config.toml has no [edge_ca] table, so IoT Edge generates a quickstart Edge CA",
        };
    }
    if (!isTable(ca)) {
        return { mode: "invalid", detail: "edge_ca is not a table" };
    }
    const method = ca.method;
    if (method === "est" || method === "local_ca") {
        return { mode: method, detail: `edge_ca.method = "${method}"` };
    }
    if (method === "self_signed") {
        return { mode: "quickstart", detail: 'edge_ca.method = "self_signed"' };
    }
    if (typeof ca.cert === "string" && typeof ca.pk === "string") {
        return { mode: "files", detail: "edge_ca.cert and edge_ca.pk" };
    }
    const expiry = ca.auto_generated_edge_ca_expiry_days;
    if (expiry !== undefined) {
        return {
            mode: "quickstart",
            detail: `edge_ca.auto_generated_edge_ca_expiry_days = ${String(expiry)}`,
        };
    }
    if (method !== undefined) {
        return {
            mode: "invalid",
            detail: `edge_ca.method = ${JSON.stringify(method)} is not a known method`,
        };
    }
    if (ca.cert !== undefined || ca.pk !== undefined) {
        return { mode: "invalid", detail: "edge_ca has only one of cert and pk" };
    }
    return {
        mode: "invalid",
        detail: "edge_ca has none of method, cert/pk or auto_generated_edge_ca_expiry_days",
    };
}

/**
 * Whether a text is an IoT Edge config.toml: valid TOML with a `[provisioning]` table, which
 * IoT Edge requires (FACTS.md §2). Used to spot a config.toml pushed by something other than
 * an EdgeDevice apply step.
 *
 * @param text any command's stdin.
 */
export function looksLikeIotEdgeConfig(text: string): boolean {
    try {
        return isTable((parse(text) as Record<string, unknown>).provisioning);
    } catch {
        return false;
    }
}
