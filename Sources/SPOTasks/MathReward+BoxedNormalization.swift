extension MathReward {
    /// The form in which two boxed answers are compared. One left-to-right pass over the
    /// code points applies, at each position, the first rule that matches:
    ///
    ///     \text{X}           → X    (the wrapper goes, its content stays; braces matched)
    ///     \left  \right  \!  → ""   (so "\left(" → "(", and also "\leftarrow" → "arrow")
    ///     \dfrac  \tfrac     → \frac
    ///     whitespace  $      → ""   (Python str.isspace() whitespace)
    ///
    /// then trailing `.` characters are dropped. Nothing else changes: no lowercasing, no
    /// numeric parsing ("0.5" ≠ "\frac{1}{2}", "1,000" ≠ "1000"), no unit removal.
    /// Linear in the length of `answer`.
    public static func normalizeBoxedAnswer(_ answer: String) -> String {
        let scalars = Array(answer.unicodeScalars)
        var output = String.UnicodeScalarView()
        var braceIsTextWrapper: [Bool] = []
        var index = 0
        while index < scalars.count {
            let scalar = scalars[index]
            if scalar == "\\" {
                if matches(scalars, at: index, #"\text{"#) {
                    braceIsTextWrapper.append(true)
                    index += 6
                    continue
                }
                if let dropped = droppedCommands.first(where: { matches(scalars, at: index, $0) }) {
                    index += dropped.unicodeScalars.count
                    continue
                }
                if matches(scalars, at: index, #"\dfrac"#) || matches(scalars, at: index, #"\tfrac"#) {
                    output.append(contentsOf: #"\frac"#.unicodeScalars)
                    index += 6
                    continue
                }
            }
            index += 1
            switch scalar {
            case "{":
                braceIsTextWrapper.append(false)
                output.append(scalar)
            case "}":
                if braceIsTextWrapper.popLast() != true { output.append(scalar) }
            case "$":
                break
            default:
                if !PythonText.isSpace(scalar) { output.append(scalar) }
            }
        }
        while output.last == "." { output.removeLast() }
        return String(output)
    }

    /// Commands deleted by `normalizeBoxedAnswer`.
    private static let droppedCommands = [#"\left"#, #"\right"#, #"\!"#]

    /// Whether `pattern` (ASCII) occurs in `scalars` starting at `index`.
    private static func matches(_ scalars: [Unicode.Scalar], at index: Int, _ pattern: String) -> Bool {
        let pattern = pattern.unicodeScalars
        guard index + pattern.count <= scalars.count else { return false }
        return zip(scalars[index...], pattern).allSatisfy { $0 == $1 }
    }
}
