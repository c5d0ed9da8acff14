/// The Okabe-Ito palette (Okabe & Ito 2008, "Color Universal Design"): eight colours that stay
/// distinct under the common colour-vision deficiencies. Black first is kept for text and axes;
/// series take the chromatic ones in the order journals use them.
public enum Palette {
    /// Series colours in order: blue, vermillion, bluish green, orange, reddish purple, sky blue,
    /// yellow. Yellow comes last because it is faint on white.
    public static let series = ["#0072B2", "#D55E00", "#009E73", "#E69F00", "#CC79A7", "#56B4E9", "#F0E442"]

    /// Text, axes and the reference lines.
    public static let ink = "#222222"
    /// Grid lines and table rules.
    public static let grid = "#DDDDDD"
    /// Secondary text (tick labels, notes).
    public static let muted = "#555555"

    /// The colour of series `i`, cycling past seven.
    public static func color(_ i: Int) -> String { series[i % series.count] }
}
