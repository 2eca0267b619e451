/// Final-answer rewards for math word problems (method.md section 1): pure functions of
/// the response text, the gold answer and whether generation was cut by the length limit.
///
/// Text is compared as CPython compares `str`: code point by code point (see
/// `PythonText`). One known difference from CPython's `str.lower()`: Swift's
/// `lowercased()` has no final-sigma rule, so a word-final "Σ" lowers to "σ" here and to
/// "ς" in Python. Both sides of a comparison are lowered by the same function, so this
/// changes a result only when one side spells a final sigma as "ς" and the other as "Σ".
public enum MathReward {
    /// Reward for a GSM8K-style response ending in `#### answer`, as in the reference:
    ///
    ///     truncated                        → 0   (cut by the token limit: unfinished)
    ///     no "####"                        → 0   (unfinished)
    ///     two or more "####"               → −2  (format penalty)
    ///     pred.strip().replace(",", "").lower() == gold.strip().lower()  → 1, else 0
    ///
    /// where `pred` is the text after the last `####`. The checks run in this order, so a
    /// truncated response with several markers scores 0, not −2: being cut off is what
    /// happened to it first. Commas are removed from the prediction only (a data loader
    /// removes them from the gold answer). Trailing text counts: "42 apples" ≠ "42".
    /// Digits are compared as code points: Arabic-Indic "٤٢" does not equal "42".
    public static func gsm8k(response: String, gold: String, truncated: Bool) -> Double {
        if truncated { return 0 }
        switch extractGSM8KAnswer(response) {
        case .none:
            return 0
        case .multiple:
            return -2
        case .single(let predicted):
            let prediction = PythonText.removingCommas(predicted).lowercased()
            let expected = PythonText.strip(gold).lowercased()
            return PythonText.equal(prediction, expected) ? 1 : 0
        }
    }

    /// The text after the last `####` marker, stripped of Python whitespace, and how many
    /// markers there were. Markers are matched left to right without overlap, as
    /// `response.split("####")` does. Linear in the length of `response`.
    public static func extractGSM8KAnswer(_ response: String) -> ExtractedAnswer {
        var markers = 0
        var run = 0
        var answerStart: String.Index?
        let bytes = response.utf8
        var index = bytes.startIndex
        while index != bytes.endIndex {
            let byte = bytes[index]
            bytes.formIndex(after: &index)
            guard byte == UInt8(ascii: "#") else {
                run = 0
                continue
            }
            run += 1
            if run == 4 {
                markers += 1
                run = 0
                answerStart = index
            }
        }
        guard let answerStart else { return .none }
        let answer = PythonText.strip(String(response.unicodeScalars[answerStart...]))
        return markers == 1 ? .single(answer) : .multiple(last: answer)
    }
}
