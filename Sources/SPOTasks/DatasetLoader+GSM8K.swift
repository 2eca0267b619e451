import Foundation

extension DatasetLoader {
    /// Reads a GSM8K-format JSONL file: each line `{"question": ..., "answer": ...}` where
    /// `answer` is a worked solution ending in `#### n`.
    ///
    ///     Problem.solution = answer, unchanged (calculator notes such as <<2*3=6>> stay)
    ///     Problem.answer   = text after the last "####", stripped, commas removed
    ///
    /// Other keys on a line are ignored.
    ///
    /// - Throws: `TaskError` naming the file and line when the file cannot be read, a line
    ///   is not a JSON object with string `question` and `answer`, `answer` has no `####`,
    ///   or nothing follows the last `####`.
    public static func gsm8kJSONL(url: URL) throws -> [Problem] {
        try records(GSM8KRecord.self, url: url, keys: "\"question\" and \"answer\"").map { line, record in
            let gold: String
            switch MathReward.extractGSM8KAnswer(record.answer) {
            case .none:
                throw TaskError(
                    source: url.path, location: "line \(line)", value: "\"\(record.answer)\"",
                    problem: "\"answer\" has no \"####\"; end it with a line \"#### <answer>\"")
            case .single(let text), .multiple(last: let text):
                gold = PythonText.removingCommas(text)
            }
            guard !gold.isEmpty else {
                throw TaskError(
                    source: url.path, location: "line \(line)", value: "\"\(record.answer)\"",
                    problem: "nothing follows the last \"####\" in \"answer\"; write the answer after it")
            }
            return Problem(
                id: "\(url.lastPathComponent):\(line)", question: record.question,
                solution: record.answer, answer: gold)
        }
    }
}

/// One line of a GSM8K-format file.
private struct GSM8KRecord: Decodable {
    let question: String
    let answer: String
}
