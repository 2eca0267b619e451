import Foundation

extension DatasetLoader {
    /// Reads a MATH-format JSONL file: each line `{"problem": ..., "solution": ...}` where
    /// `solution` holds the answer in `\boxed{...}`.
    ///
    ///     Problem.question = problem
    ///     Problem.solution = solution, unchanged
    ///     Problem.answer   = content of the last balanced \boxed{...}, as written
    ///                        (MathReward.boxed normalizes it when comparing)
    ///
    /// Other keys on a line (`level`, `type`, ...) are ignored.
    ///
    /// - Throws: `TaskError` naming the file and line when the file cannot be read, a line
    ///   is not a JSON object with string `problem` and `solution`, or `solution` has no
    ///   balanced last `\boxed{}` or an empty one.
    public static func mathJSONL(url: URL) throws -> [Problem] {
        try records(MATHRecord.self, url: url, keys: "\"problem\" and \"solution\"").map { line, record in
            guard let gold = MathReward.extractBoxed(record.solution),
                !MathReward.normalizeBoxedAnswer(gold).isEmpty
            else {
                throw TaskError(
                    source: url.path, location: "line \(line)", value: "\"\(record.solution)\"",
                    problem: "\"solution\" has no non-empty \\boxed{...} with balanced braces at its "
                        + "last \\boxed{; put the final answer in one")
            }
            return Problem(
                id: "\(url.lastPathComponent):\(line)", question: record.problem,
                solution: record.solution, answer: gold)
        }
    }
}

/// One line of a MATH-format file.
private struct MATHRecord: Decodable {
    let problem: String
    let solution: String
}
