/**
 * Key paths of the official IoT Edge 1.5 config template
 * (../shared/reference/iotedge-template-1.5.toml, FACTS.md §1), read from its commented-out
 * lines, so tests can assert the renderer only writes keys the template knows.
 *
 * The template is not valid TOML as a whole (every line is a comment, alternatives repeat keys,
 * `auto_reprovisioning_mode = Dynamic` is unquoted), so it is read line by line:
 * - `# [a.b.c]   # note` opens table `a.b.c` (and its prefixes `a`, `a.b`);
 * - `# key = value   # note` is a key of the current table; when the value parses as an inline
 *   table (`device_id_pk = { uri = "..." }`, `subject = { L = ..., CN = ... }`), its keys are
 *   added below the key, recursively;
 * - prose comments (`## ...`, `# # ...`, `# Setting prefer_module_identity_cache to true ...`)
 *   and continuation lines (`#     "file:///..."`, `# ]`) are skipped: a key line starts
 *   exactly with `# ` followed by a bare or double-quoted key and `=`.
 */
import * as fs from "fs";
import * as path from "path";
import { parse } from "smol-toml";

/**
 * The template, vendored (MIT, FACTS.md §1: `Azure/iotedge@release/1.5`
 * `edgelet/contrib/config/linux/template.toml`, blob b70d70031b16) so the tests run in any
 * checkout; template-keys.test.ts checks it still equals ../shared/reference where that exists.
 */
export const TEMPLATE_PATH = path.join(__dirname, "reference", "iotedge-template-1.5.toml");

/** The team's shared reference copy (outside the repository; may be absent in CI). */
export const SHARED_TEMPLATE_PATH = path.resolve(
    __dirname,
    "../../../shared/reference/iotedge-template-1.5.toml",
);

const TABLE_LINE = /^# \[([A-Za-z0-9_.-]+)\]\s*(?:#.*)?$/;
const KEY_LINE = /^# ([A-Za-z0-9_-]+|"[^"]+")\s*=\s*(.*)$/;

/** Every key path of a template text: tables, keys and the keys of inline-table values. */
export function templateKeyPaths(text: string): Set<string> {
    const paths = new Set<string>();
    let table: string[] = [];
    const addPath = (parts: string[]) => {
        for (let i = 1; i <= parts.length; i++) paths.add(parts.slice(0, i).join("."));
    };
    for (const line of text.split(/\r?\n/)) {
        const t = TABLE_LINE.exec(line);
        if (t) {
            table = t[1].split(".");
            addPath(table);
            continue;
        }
        const k = KEY_LINE.exec(line);
        if (!k) continue;
        const key = k[1].startsWith('"') ? k[1].slice(1, -1) : k[1];
        const keyPath = [...table, key];
        addPath(keyPath);
        const value = inlineValue(k[2]);
        if (value !== undefined) addInlineKeys(keyPath, value, addPath);
    }
    return paths;
}

/** The value of `key = <text>` when it parses as TOML (comments allowed), else undefined. */
function inlineValue(text: string): unknown {
    try {
        return parse(`v = ${text}`).v;
    } catch {
        return undefined; // e.g. `Dynamic` (unquoted) or `[` (multi-line array)
    }
}

function addInlineKeys(prefix: string[], value: unknown, addPath: (parts: string[]) => void) {
    if (value === null || typeof value !== "object" || Array.isArray(value)) return;
    for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
        addPath([...prefix, k]);
        addInlineKeys([...prefix, k], v, addPath);
    }
}

/**
 * Key paths of a parsed TOML document (tables and keys; arrays are leaves), in the same form as
 * {@link templateKeyPaths}.
 */
export function documentKeyPaths(doc: Record<string, unknown>, prefix: string[] = []): string[] {
    const out: string[] = [];
    for (const [k, v] of Object.entries(doc)) {
        const p = [...prefix, k];
        out.push(p.join("."));
        if (v !== null && typeof v === "object" && !Array.isArray(v) && !(v instanceof Date)) {
            out.push(...documentKeyPaths(v as Record<string, unknown>, p));
        }
    }
    return out;
}

/** The reference template's key paths (read once). */
export function officialTemplateKeyPaths(): Set<string> {
    return templateKeyPaths(fs.readFileSync(TEMPLATE_PATH, "utf8"));
}
