/// "Did you mean …?" for a misspelt key or value.
enum Suggestion {
    /// The candidate closest to `word` by edit distance (case-insensitive), when close
    /// enough to be a plausible misspelling: distance ≤ max(2, candidate length / 3).
    /// Failing that, the first candidate that `word` (3 characters or more) begins.
    /// Ties go to the earlier candidate.
    static func nearest(to word: String, in candidates: [String]) -> String? {
        let lowered = word.lowercased()
        var best: (candidate: String, distance: Int)?
        for candidate in candidates {
            let target = candidate.lowercased()
            let distance = editDistance(lowered, target)
            guard distance <= max(2, target.count / 3) else { continue }
            if best.map({ distance < $0.distance }) ?? true { best = (candidate, distance) }
        }
        if let best { return best.candidate }
        guard lowered.count >= 3 else { return nil }
        return candidates.first { $0.lowercased().hasPrefix(lowered) }
    }

    /// Levenshtein distance: the fewest single-character insertions, deletions and
    /// substitutions that turn `a` into `b`.
    static func editDistance(_ a: String, _ b: String) -> Int {
        let a = Array(a), b = Array(b)
        if a.isEmpty { return b.count }
        if b.isEmpty { return a.count }
        var previous = Array(0...b.count)
        var row = [Int](repeating: 0, count: b.count + 1)
        for i in 1...a.count {
            row[0] = i
            for j in 1...b.count {
                let substitution = previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1)
                row[j] = min(previous[j] + 1, row[j - 1] + 1, substitution)
            }
            swap(&previous, &row)
        }
        return previous[b.count]
    }

    /// `did you mean "x"?` for the nearest candidate, or nil.
    static func hint(for word: String, in candidates: [String]) -> String? {
        nearest(to: word, in: candidates).map { "did you mean \(quoted($0))?" }
    }
}
