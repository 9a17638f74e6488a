/**
 * A line diff in pure code: Myers' O(ND) shortest edit script ("An O(ND) Difference Algorithm
 * and Its Variations", E. W. Myers, Algorithmica 1986), grouped into unified-diff hunks with a
 * few lines of context, as `diff -u` and `git diff` print them.
 *
 * Why not the `diff` npm package: it is only installed as a transitive dependency of mocha (a
 * devDependency), so the CLI could not rely on it at run time, and this is ~150 lines.
 *
 * Lines keep their terminator, so a missing newline at the end of a file is a change like any
 * other and is rendered as `\ No newline at end of file` (the GNU convention).
 */

/** One step of an edit script turning `a` into `b`. */
export type EditOp = "equal" | "delete" | "insert";

/** A step of the edit script with the line it keeps, deletes or inserts (terminator included). */
export interface Edit {
    op: EditOp;
    line: string;
}

/** A line of a hunk, as `diff -u` prints it. */
export interface HunkLine {
    /** " " context, "-" only in the old text, "+" only in the new text. */
    mark: " " | "-" | "+";
    /** The line without its terminator. */
    text: string;
    /** True when this is the last line of its file and has no terminating newline. */
    noNewline: boolean;
}

/** A unified-diff hunk. Line numbers are 1-based; an empty side starts at the line before. */
export interface Hunk {
    oldStart: number;
    oldLines: number;
    newStart: number;
    newLines: number;
    lines: HunkLine[];
}

/** The difference between two texts: its hunks, and how many lines each side gains or loses. */
export interface TextDiff {
    hunks: Hunk[];
    added: number;
    removed: number;
}

/**
 * Above this many differing lines the edit script is not searched for (memory grows with the
 * square of it): the diff is reported as "delete every old line, insert every new one", which is
 * still a correct diff, only not the shortest. A config.toml is a few hundred lines at most.
 */
export const MAX_EDIT_DISTANCE = 2000;

/** Default lines of context around each change, as `diff -u`. */
export const DEFAULT_CONTEXT = 3;

/** Splits a text into lines, each keeping its "\n"; a final line without one is kept as is. */
export function splitLines(text: string): string[] {
    return text.match(/[^\n]*\n|[^\n]+$/g) ?? [];
}

/**
 * The shortest edit script from `a` to `b` (Myers). Common prefix and suffix are matched first,
 * so an edit in the middle of a long file costs only the edit. Deterministic: on ties, a
 * deletion is placed before an insertion, as `diff` does.
 */
export function diffSequences(a: readonly string[], b: readonly string[]): Edit[] {
    let start = 0;
    while (start < a.length && start < b.length && a[start] === b[start]) start++;
    let endA = a.length;
    let endB = b.length;
    while (endA > start && endB > start && a[endA - 1] === b[endB - 1]) {
        endA--;
        endB--;
    }
    const middle = myers(a.slice(start, endA), b.slice(start, endB));
    return [
        ...a.slice(0, start).map((line): Edit => ({ op: "equal", line })),
        ...middle,
        ...a.slice(endA).map((line): Edit => ({ op: "equal", line })),
    ];
}

function myers(a: readonly string[], b: readonly string[]): Edit[] {
    const n = a.length;
    const m = b.length;
    const replaceAll = (): Edit[] => [
        ...a.map((line): Edit => ({ op: "delete", line })),
        ...b.map((line): Edit => ({ op: "insert", line })),
    ];
    if (n === 0 || m === 0) return replaceAll();
    const max = Math.min(n + m, MAX_EDIT_DISTANCE);
    const offset = max + 1;
    // v[k + offset]: the furthest x reached on diagonal k (y = x - k) with d edits.
    const v = new Int32Array(2 * max + 3);
    // trace[d]: v as it was before step d, to walk the path back.
    const trace: Int32Array[] = [];
    for (let d = 0; d <= max; d++) {
        trace.push(v.slice());
        for (let k = -d; k <= d; k += 2) {
            const down = k === -d || (k !== d && v[k - 1 + offset] < v[k + 1 + offset]);
            let x = down ? v[k + 1 + offset] : v[k - 1 + offset] + 1;
            let y = x - k;
            while (x < n && y < m && a[x] === b[y]) {
                x++;
                y++;
            }
            v[k + offset] = x;
            if (x >= n && y >= m) return backtrack(a, b, trace, offset);
        }
    }
    return replaceAll();
}

function backtrack(
    a: readonly string[],
    b: readonly string[],
    trace: Int32Array[],
    offset: number,
): Edit[] {
    const edits: Edit[] = [];
    let x = a.length;
    let y = b.length;
    for (let d = trace.length - 1; d >= 0; d--) {
        const v = trace[d];
        const k = x - y;
        const down = k === -d || (k !== d && v[k - 1 + offset] < v[k + 1 + offset]);
        const prevK = down ? k + 1 : k - 1;
        const prevX = v[prevK + offset];
        const prevY = prevX - prevK;
        while (x > prevX && y > prevY) {
            edits.push({ op: "equal", line: a[x - 1] });
            x--;
            y--;
        }
        if (d > 0) {
            if (down) edits.push({ op: "insert", line: b[y - 1] });
            else edits.push({ op: "delete", line: a[x - 1] });
        }
        x = prevX;
        y = prevY;
    }
    return edits.reverse();
}

function hunkLine(mark: HunkLine["mark"], line: string): HunkLine {
    const noNewline = !line.endsWith("\n");
    return { mark, text: noNewline ? line : line.slice(0, -1), noNewline };
}

/** Groups an edit script into hunks with `context` lines around each run of changes. */
export function toHunks(edits: readonly Edit[], context = DEFAULT_CONTEXT): Hunk[] {
    const changed = edits.flatMap((e, i) => (e.op === "equal" ? [] : [i]));
    if (changed.length === 0) return [];
    // Ranges [from, to) of edits, merged when the context around two changes touches.
    const ranges: Array<[number, number]> = [];
    for (const i of changed) {
        const from = Math.max(0, i - context);
        const to = Math.min(edits.length, i + 1 + context);
        const last = ranges[ranges.length - 1];
        if (last && from <= last[1]) last[1] = Math.max(last[1], to);
        else ranges.push([from, to]);
    }
    // Line numbers (0-based) on each side at the start of every edit.
    const oldAt: number[] = [];
    const newAt: number[] = [];
    let o = 0;
    let n = 0;
    for (const e of edits) {
        oldAt.push(o);
        newAt.push(n);
        if (e.op !== "insert") o++;
        if (e.op !== "delete") n++;
    }
    return ranges.map(([from, to]) => {
        const slice = edits.slice(from, to);
        const oldLines = slice.filter((e) => e.op !== "insert").length;
        const newLines = slice.filter((e) => e.op !== "delete").length;
        return {
            // An empty side names the line before it (0 at the top of the file), as diff -u.
            oldStart: oldLines === 0 ? oldAt[from] : oldAt[from] + 1,
            oldLines,
            newStart: newLines === 0 ? newAt[from] : newAt[from] + 1,
            newLines,
            lines: slice.map((e) =>
                hunkLine(e.op === "equal" ? " " : e.op === "delete" ? "-" : "+", e.line),
            ),
        };
    });
}

/** The unified diff of two texts, line by line, with `context` lines of context. */
export function diffText(oldText: string, newText: string, context = DEFAULT_CONTEXT): TextDiff {
    const edits = diffSequences(splitLines(oldText), splitLines(newText));
    return {
        hunks: toHunks(edits, context),
        added: edits.filter((e) => e.op === "insert").length,
        removed: edits.filter((e) => e.op === "delete").length,
    };
}

/** `@@ -1,3 +1,4 @@`; a count of 1 is left out, as diff -u does. */
export function hunkHeader(h: Hunk): string {
    const side = (start: number, lines: number) => (lines === 1 ? `${start}` : `${start},${lines}`);
    return `@@ -${side(h.oldStart, h.oldLines)} +${side(h.newStart, h.newLines)} @@`;
}

/** The hunks as unified-diff text lines (no `---`/`+++` header). */
export function formatHunks(hunks: readonly Hunk[]): string[] {
    const out: string[] = [];
    for (const h of hunks) {
        out.push(hunkHeader(h));
        for (const l of h.lines) {
            out.push(`${l.mark}${l.text}`);
            if (l.noNewline) out.push("\\ No newline at end of file");
        }
    }
    return out;
}

/**
 * Applies hunks to the old text, checking every context and deleted line, and returns the new
 * text: the inverse of `diffText`, used to verify it (and usable to replay a reviewed diff).
 * Throws when a hunk does not match the text.
 */
export function applyHunks(oldText: string, hunks: readonly Hunk[]): string {
    const old = splitLines(oldText);
    const out: string[] = [];
    let at = 0;
    const lineOf = (l: HunkLine) => (l.noNewline ? l.text : `${l.text}\n`);
    for (const h of hunks) {
        const start = h.oldLines === 0 ? h.oldStart : h.oldStart - 1;
        if (start < at || start > old.length) {
            throw new Error(`hunk ${hunkHeader(h)} is out of order or past the end`);
        }
        out.push(...old.slice(at, start));
        at = start;
        for (const l of h.lines) {
            if (l.mark === "+") {
                out.push(lineOf(l));
                continue;
            }
            if (old[at] !== lineOf(l)) {
                throw new Error(`hunk ${hunkHeader(h)} does not match old line ${at + 1}`);
            }
            if (l.mark === " ") out.push(old[at]);
            at++;
        }
    }
    out.push(...old.slice(at));
    return out.join("");
}
