import SPOModel
import SPOTasks

/// Why a TreePO path stopped (docs/method.md section 5). Raw values are the metric names
/// (`generate/treepo_stop_<raw value>`).
public enum TreePOStopReason: String, Sendable, Equatable, Hashable, CaseIterable {
    /// The path sampled an EOS token and holds no answer marker.
    case eos
    /// The path found an answer: its answer line is complete (a newline after `####`, the
    /// segment cut right after that newline), or it sampled EOS with the marker in its text.
    case answer
    /// The response reached `sampling.max_tokens` tokens.
    case length
    /// The path reached `tree.max_depth` segments without stopping otherwise.
    case maxDepth = "max_depth"
    /// Its latest segment repeats a substring (`TreePORepetition`).
    case repetition

    /// Whether the response was cut instead of ending by itself: it is scored as a
    /// truncated response (reward 0) and shipped with stop reason `length`.
    public var isTruncation: Bool {
        switch self {
        case .eos, .answer: return false
        case .length, .maxDepth, .repetition: return true
        }
    }
}

/// TreePO's "found answer" stop for the task's answer format (docs/method.md section 5).
///
/// - `gsm8k`: marker `####`; the answer line is complete once a newline follows the first
///   marker, and the path stops there (cut after that newline) even without EOS.
/// - `boxed`: marker `\boxed{`; no line rule: the answer is found when EOS ends a response
///   holding the marker.
///
/// Either way a response ending with EOS whose text holds the marker stopped with
/// `.answer` rather than `.eos`.
public struct TreePOAnswerCheck: Sendable, Equatable {
    /// The text that announces the final answer.
    public let marker: String
    /// Whether a newline after the marker completes the answer.
    public let lineEnds: Bool

    /// The check for `marker`.
    public init(marker: String, lineEnds: Bool) {
        precondition(!marker.isEmpty, "an answer marker must not be empty")
        self.marker = marker
        self.lineEnds = lineEnds
    }

    /// GSM8K's `#### answer` line.
    public static let gsm8k = TreePOAnswerCheck(marker: "####", lineEnds: true)
    /// MATH's `\boxed{answer}`.
    public static let boxed = TreePOAnswerCheck(marker: "\\boxed{", lineEnds: false)

    /// The check of a task's reward.
    public init(reward: RewardKind) {
        switch reward {
        case .gsm8k: self = .gsm8k
        case .boxed: self = .boxed
        }
    }

    /// Whether `text` holds the marker.
    public func holdsMarker(_ text: String) -> Bool { text.contains(marker) }

    /// Whether `text` holds a complete answer line: the marker, then later a newline
    /// (always false without the line rule).
    public func completesLine(_ text: String) -> Bool {
        guard lineEnds, let found = text.range(of: marker) else { return false }
        return text[found.upperBound...].contains("\n")
    }

    /// Where to cut a segment that completes the answer line: the fewest tokens n ≥ 1 of
    /// `segment` ([m]) such that the response `prefix + segment[..<n]` completes it; nil
    /// when the whole response `prefix + segment` does not. `prefix` ([S], the ancestors'
    /// segments) never completes it on its own: the path would have stopped earlier.
    public func cut(prefix: [Int32], segment: [Int32], tokenizer: any Tokenizer) -> Int? {
        guard lineEnds, completesLine(tokenizer.decode(prefix + segment)) else { return nil }
        return (1...segment.count).first { completesLine(tokenizer.decode(prefix + segment[..<$0])) }
    }
}

/// TreePO's repetition stop: a segment whose text holds some `substringCharacters`-character
/// substring `minOccurrences` times or more. Occurrences are counted as Python's
/// `str.count` counts them: left to right, not overlapping (so "aaaa" holds "aa" twice).
public enum TreePORepetition {
    /// Whether `text` ([n] characters) repeats a substring of `substringCharacters` (≥ 1)
    /// characters at least `minOccurrences` (≥ 1) times. O(n · substringCharacters).
    public static func isRepetitive(_ text: String, substringCharacters: Int, minOccurrences: Int) -> Bool {
        precondition(substringCharacters >= 1 && minOccurrences >= 1, "repetition check: sizes must be >= 1")
        let characters = Array(text)
        guard characters.count >= substringCharacters * minOccurrences else { return false }
        /// For each distinct window: where its last counted occurrence started, and the count.
        var seen: [ArraySlice<Character>: (start: Int, count: Int)] = [:]
        for start in 0...(characters.count - substringCharacters) {
            let window = characters[start..<start + substringCharacters]
            if let last = seen[window] {
                guard start - last.start >= substringCharacters else { continue }
                seen[window] = (start, last.count + 1)
                if last.count + 1 >= minOccurrences { return true }
            } else {
                seen[window] = (start, 1)
                if minOccurrences == 1 { return true }
            }
        }
        return false
    }
}
