import SPOPipelineSpec

/// The arithmetic of SPO-tree credit (docs/method.md section 4), on plain numbers.
///
/// Values are nested means: a leaf's value is its reward, a node's value is the mean of
/// its children's values (NOT the flat mean of the leaves under it: a child that ended
/// early weighs as much as a sibling with a whole subtree). Each edge parent → child
/// carries
///
///     rloo:  A = V(child) − V(parent)
///     grpo:  A = (V(child) − V(parent)) / (σ + ε),   σ = population std of the siblings' values
///
/// with V(parent) the mean of the siblings' values (the child among them).
public enum TreeAdvantage {
    /// The mean of `values` ([k], k ≥ 1), and exactly their common value when all are
    /// equal, so that siblings of equal value get an advantage of exactly 0 (a rounded
    /// sum such as 0.1 + 0.1 + 0.1 would otherwise leave a residue of ~1e-17).
    public static func mean(_ values: [Double]) -> Double {
        precondition(!values.isEmpty, "the mean of no children: a tree node has at least one child")
        if values.allSatisfy({ $0 == values[0] }) { return values[0] }
        return values.reduce(0, +) / Double(values.count)
    }

    /// The advantages of the edges from one parent to its children.
    ///
    /// - Parameters:
    ///   - siblingValues: V(child_1) … V(child_k) of all the parent's children, [k], k ≥ 1.
    ///   - form: `rloo` or `grpo` (formulas on the type).
    ///   - stdEpsilon: ε of the `grpo` form (1e-8).
    /// - Returns: A_1 … A_k, [k]; all exactly 0 when the values are all equal (a single
    ///   child included).
    public static func edgeAdvantages(siblingValues: [Double], form: TreeAdvantageForm, stdEpsilon: Double) -> [Double] {
        let parent = mean(siblingValues)
        let differences = siblingValues.map { $0 - parent }
        switch form {
        case .rloo:
            return differences
        case .grpo:
            let variance = differences.reduce(0) { $0 + $1 * $1 } / Double(siblingValues.count)
            return differences.map { $0 / (variance.squareRoot() + stdEpsilon) }
        }
    }
}
