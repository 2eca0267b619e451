extension SegmentPartition {
    /// Newline steps (VinePPO; docs/method.md section 2): a segment starts after each
    /// newline, so each step is one line of the solution. Refinements:
    ///
    /// - newlines before any other text (the response's leading "\n") start no step;
    /// - the answer line (its text, trimmed, begins with `answerMarker`, "####") joins the
    ///   step before it;
    /// - at most `maxSteps` steps are valued: the starts after the first `maxSteps` are
    ///   dropped, so the later lines join the last valued step and share its value.
    ///
    /// - Parameters:
    ///   - tokenTexts: the decoded text of each response token, [R].
    ///   - maxSteps: the cap (25), ≥ 1.
    /// - Returns: segment starts, ascending, beginning with 0 (empty when R = 0).
    public static func newlineSteps(tokenTexts: [String], maxSteps: Int, answerMarker: String = "####") -> [Int] {
        precondition(maxSteps >= 1, "newline partition needs max_steps ≥ 1, found \(maxSteps)")
        guard !tokenTexts.isEmpty else { return [] }
        var starts = [0]
        var seenText = false
        for t in tokenTexts.indices {
            let text = tokenTexts[t]
            let start = t + 1
            if text.contains(where: { !$0.isWhitespace }) { seenText = true }
            guard text.contains("\n"), start < tokenTexts.count, seenText else { continue }
            if line(from: start, in: tokenTexts).trimmingPrefix(while: \.isWhitespace).hasPrefix(answerMarker) { continue }
            starts.append(start)
        }
        return Array(starts.prefix(maxSteps))
    }

    /// The text from token `start` to the next newline (exclusive) or the end.
    private static func line(from start: Int, in tokenTexts: [String]) -> Substring {
        var text = ""
        for piece in tokenTexts[start...] {
            if let newline = piece.firstIndex(of: "\n") {
                text += piece[..<newline]
                break
            }
            text += piece
        }
        return Substring(text)
    }

    /// Wire boundaries of a partition given by its segment starts (ascending, each in
    /// 0..<R), for a response of R ≥ 1 tokens:
    ///
    ///     starts = []                 →  [0, R],               first credited segment 1 (none)
    ///     starts = [0, s₁, …]         →  [0, s₁, …, R],         first credited segment 0
    ///     starts = [s₀ > 0, s₁, …]    →  [0, s₀, s₁, …, R],     first credited segment 1
    ///
    /// (the segment [0, s₀) is the pre-segment, advantage 0).
    public static func boundaries(starts: [Int], responseLength: Int) -> (boundaries: [Int32], firstCreditedSegment: Int) {
        precondition(responseLength >= 1, "a response to partition has at least one token, found \(responseLength)")
        precondition(zip(starts, starts.dropFirst()).allSatisfy { $0 < $1 } && starts.allSatisfy { (0..<responseLength).contains($0) },
                     "segment starts \(starts) are not ascending within 0..<\(responseLength)")
        let offsets = starts.map { Int32($0) }
        guard let first = starts.first else { return ([0, Int32(responseLength)], 1) }
        if first == 0 { return (offsets + [Int32(responseLength)], 0) }
        return ([0] + offsets + [Int32(responseLength)], 1)
    }
}
