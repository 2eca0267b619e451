extension MathReward {
    /// Reward for a MATH-style response whose answer is the last `\boxed{...}`:
    ///
    ///     truncated                                    → 0
    ///     no balanced last \boxed{...}                 → 0
    ///     normalize(boxed) is empty                    → 0
    ///     normalize(boxed) == normalize(gold)          → 1, else 0
    ///
    /// `gold` is the gold answer itself (the content of the gold solution's last box),
    /// not a whole solution. `normalize` is `normalizeBoxedAnswer`. An empty box never
    /// scores, whatever the gold answer normalizes to.
    public static func boxed(response: String, gold: String, truncated: Bool) -> Double {
        if truncated { return 0 }
        guard let content = extractBoxed(response) else { return 0 }
        let prediction = normalizeBoxedAnswer(content)
        guard !prediction.isEmpty else { return 0 }
        return PythonText.equal(prediction, normalizeBoxedAnswer(gold)) ? 1 : 0
    }

    /// The content of the last `\boxed{` in `response`, up to its matching `}`; `nil` when
    /// there is no `\boxed{` or the last one is never closed.
    ///
    /// Braces are counted the way the MATH reference counts them: every `{` opens and
    /// every `}` closes, escaped ones (`\{`, `\}`) included, which balances as long as
    /// escapes come in pairs. Only the last `\boxed{` is tried: an unbalanced last box
    /// means no answer even when an earlier box is balanced. `\boxed 5` (no brace) and
    /// `\fbox{}` are not answers. Linear in the length of `response`.
    public static func extractBoxed(_ response: String) -> String? {
        let marker = Array(#"\boxed{"#.utf8)
        let bytes = Array(response.utf8)
        guard bytes.count >= marker.count else { return nil }
        var start = bytes.count - marker.count
        while start >= 0, !bytes[start..<(start + marker.count)].elementsEqual(marker) {
            start -= 1
        }
        guard start >= 0 else { return nil }
        let contentStart = start + marker.count
        var depth = 1
        var index = contentStart
        while index < bytes.count {
            switch bytes[index] {
            case UInt8(ascii: "{"):
                depth += 1
            case UInt8(ascii: "}"):
                depth -= 1
                if depth == 0 {
                    return String(decoding: bytes[contentStart..<index], as: UTF8.self)
                }
            default:
                break
            }
            index += 1
        }
        return nil
    }
}
