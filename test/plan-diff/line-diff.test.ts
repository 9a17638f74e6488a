import { strict as assert } from "assert";
import fc from "fast-check";
import {
    applyHunks,
    diffSequences,
    diffText,
    formatHunks,
    MAX_EDIT_DISTANCE,
    splitLines,
} from "../../cli/plan-diff";

const lines = (...l: string[]) => l.map((x) => `${x}\n`).join("");
const unified = (a: string, b: string, context?: number) =>
    formatHunks(diffText(a, b, context).hunks);

/** Length of the longest common subsequence, by the textbook O(nm) table. */
function lcsLength(a: string[], b: string[]): number {
    const t = Array.from({ length: a.length + 1 }, () => new Array<number>(b.length + 1).fill(0));
    for (let i = 1; i <= a.length; i++) {
        for (let j = 1; j <= b.length; j++) {
            t[i][j] =
                a[i - 1] === b[j - 1] ? t[i - 1][j - 1] + 1 : Math.max(t[i - 1][j], t[i][j - 1]);
        }
    }
    return t[a.length][b.length];
}

describe("plan-diff line diff", () => {
    describe("splitLines", () => {
        const cases: Array<[string, string[]]> = [
            ["", []],
            ["a", ["a"]],
            ["a\n", ["a\n"]],
            ["a\nb", ["a\n", "b"]],
            ["\n\n", ["\n", "\n"]],
            ["a\r\nb\n", ["a\r\n", "b\n"]],
        ];
        for (const [text, expected] of cases) {
            it(`splits ${JSON.stringify(text)}`, () =>
                assert.deepEqual(splitLines(text), expected));
        }
    });

    describe("known cases", () => {
        const cases: Array<{
            name: string;
            a: string;
            b: string;
            context?: number;
            out: string[];
        }> = [
            { name: "identical texts", a: lines("a", "b"), b: lines("a", "b"), out: [] },
            { name: "both empty", a: "", b: "", out: [] },
            {
                name: "from empty",
                a: "",
                b: lines("a", "b"),
                out: ["@@ -0,0 +1,2 @@", "+a", "+b"],
            },
            { name: "to empty", a: lines("a"), b: "", out: ["@@ -1 +0,0 @@", "-a"] },
            {
                name: "one line changed in the middle, 3 lines of context",
                a: lines("1", "2", "3", "4", "5", "6", "7", "8", "9"),
                b: lines("1", "2", "3", "4", "five", "6", "7", "8", "9"),
                out: ["@@ -2,7 +2,7 @@", " 2", " 3", " 4", "-5", "+five", " 6", " 7", " 8"],
            },
            {
                name: "context 1",
                a: lines("1", "2", "3", "4", "5"),
                b: lines("1", "2", "x", "4", "5"),
                context: 1,
                out: ["@@ -2,3 +2,3 @@", " 2", "-3", "+x", " 4"],
            },
            {
                name: "context 0, pure insertion names the line before",
                a: lines("1", "2", "3"),
                b: lines("1", "2", "new", "3"),
                context: 0,
                out: ["@@ -2,0 +3 @@", "+new"],
            },
            {
                name: "two changes far apart make two hunks",
                a: lines("a", "1", "2", "3", "4", "5", "6", "7", "b"),
                b: lines("A", "1", "2", "3", "4", "5", "6", "7", "B"),
                context: 2,
                out: [
                    "@@ -1,3 +1,3 @@",
                    "-a",
                    "+A",
                    " 1",
                    " 2",
                    "@@ -7,3 +7,3 @@",
                    " 6",
                    " 7",
                    "-b",
                    "+B",
                ],
            },
            {
                name: "two changes whose contexts touch make one hunk",
                a: lines("a", "1", "2", "3", "4", "b"),
                b: lines("A", "1", "2", "3", "4", "B"),
                context: 2,
                out: ["@@ -1,6 +1,6 @@", "-a", "+A", " 1", " 2", " 3", " 4", "-b", "+B"],
            },
            {
                name: "missing newline at end of file",
                a: "a\nb",
                b: "a\nb\n",
                out: ["@@ -1,2 +1,2 @@", " a", "-b", "\\ No newline at end of file", "+b"],
            },
        ];
        for (const c of cases) {
            it(c.name, () => {
                assert.deepEqual(unified(c.a, c.b, c.context), c.out);
                assert.equal(applyHunks(c.a, diffText(c.a, c.b, c.context).hunks), c.b);
            });
        }

        it("finds the shortest edit script of Myers' example (ABCABBA -> CBABAC: 5 edits)", () => {
            const edits = diffSequences([..."ABCABBA"], [..."CBABAC"]);
            assert.equal(edits.filter((e) => e.op !== "equal").length, 5);
            assert.equal(edits.filter((e) => e.op === "equal").length, 4);
        });

        it("counts added and removed lines", () => {
            const d = diffText(lines("a", "b", "c"), lines("a", "x", "y", "c"));
            assert.deepEqual([d.added, d.removed], [2, 1]);
        });

        it("falls back to a whole replacement past MAX_EDIT_DISTANCE, still correct", () => {
            const n = MAX_EDIT_DISTANCE;
            const a = Array.from({ length: n }, (_, i) => `old ${i}\n`).join("");
            const b = Array.from({ length: n }, (_, i) => `new ${i}\n`).join("");
            const d = diffText(a, b);
            assert.deepEqual([d.added, d.removed], [n, n]);
            assert.equal(applyHunks(a, d.hunks), b);
        });

        it("applyHunks refuses a hunk that does not match", () => {
            const d = diffText(lines("a", "b"), lines("a", "c"));
            assert.throws(() => applyHunks(lines("a", "x"), d.hunks), /does not match/);
        });
    });

    describe("properties", () => {
        // Few distinct lines, so texts share many lines and the diff has real choices to make.
        const line = fc.constantFrom("a", "b", "c", "d", "", "[x]", "k = 1");
        const textArb = fc
            .tuple(fc.array(line, { maxLength: 25 }), fc.boolean())
            .map(([ls, trailingNewline]) => {
                const t = ls.join("\n");
                return trailingNewline && ls.length > 0 ? `${t}\n` : t;
            });

        it("applying the diff of a and b to a yields b, for any context", () => {
            fc.assert(
                fc.property(textArb, textArb, fc.nat({ max: 4 }), (a, b, context) => {
                    assert.equal(applyHunks(a, diffText(a, b, context).hunks), b);
                }),
                { numRuns: 500 },
            );
        });

        it("the diff of a text with itself is empty", () => {
            fc.assert(
                fc.property(textArb, (x) => {
                    const d = diffText(x, x);
                    assert.deepEqual([d.hunks, d.added, d.removed], [[], 0, 0]);
                }),
            );
        });

        it("the edit script is a shortest one: n + m - 2 * LCS edits", () => {
            fc.assert(
                fc.property(
                    fc.array(line, { maxLength: 20 }),
                    fc.array(line, { maxLength: 20 }),
                    (a, b) => {
                        const edits = diffSequences(a, b);
                        const changes = edits.filter((e) => e.op !== "equal").length;
                        assert.equal(changes, a.length + b.length - 2 * lcsLength(a, b));
                        // And it spells both sides.
                        assert.deepEqual(
                            edits.filter((e) => e.op !== "insert").map((e) => e.line),
                            a,
                        );
                        assert.deepEqual(
                            edits.filter((e) => e.op !== "delete").map((e) => e.line),
                            b,
                        );
                    },
                ),
                { numRuns: 500 },
            );
        });

        it("hunk headers count the lines they hold", () => {
            fc.assert(
                fc.property(textArb, textArb, (a, b) => {
                    for (const h of diffText(a, b).hunks) {
                        assert.equal(h.oldLines, h.lines.filter((l) => l.mark !== "+").length);
                        assert.equal(h.newLines, h.lines.filter((l) => l.mark !== "-").length);
                    }
                }),
            );
        });
    });
});
