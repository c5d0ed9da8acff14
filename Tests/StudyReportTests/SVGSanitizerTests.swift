import Foundation
import Testing
@testable import StudyReport

/// The SVG sanitizer against hostile files: each case's whole output (or whole error) is in the
/// golden file Golden/svg-sanitizer.txt, input beside output, so a reviewer reads what went in
/// and what the page gets.
@Suite struct SVGSanitizerTests {
    /// (name, file) pairs, in the golden file's order.
    static let cases: [(String, String)] = [
        ("script element", #"<svg viewBox="0 0 10 10"><script>alert(1)</script><rect width="5" height="5"/><script type="text/ecmascript"><![CDATA[alert(2)]]></script></svg>"#),
        ("event handlers", #"<svg viewBox="0 0 10 10" onload="alert(1)"><circle r="2" onclick="x()" onmouseover='y()'/><g onfocusin="z()" ONLOAD="w()"><rect width="1" height="1" onerror="v()"/></g></svg>"#),
        ("javascript and data hrefs", #"<svg viewBox="0 0 10 10"><a href="javascript:alert(1)"><rect width="1" height="1"/></a><a xlink:href="data:text/html,&lt;script&gt;alert(1)&lt;/script&gt;"><text>link</text></a><use href="javascript:alert(1)"/><use xlink:href="data:image/svg+xml;base64,PHN2Zz48L3N2Zz4="/><image href="data:image/png;base64,iVBORw0KGgo="/></svg>"#),
        ("external hrefs", #"<svg viewBox="0 0 10 10"><use href="https://evil.example/sprite.svg#icon"/><use xlink:href="other.svg#icon"/><image xlink:href="http://evil.example/track.png" width="1" height="1"/><linearGradient id="g" href="http://evil.example/g.svg#x"/><textPath href="//evil.example/p#a">t</textPath><feImage href="http://evil.example/x.png"/></svg>"#),
        ("local references are kept and prefixed", ##"<svg viewBox="0 0 10 10"><defs><linearGradient id="g1"><stop offset="0" stop-color="#fff"/></linearGradient><path id="p" d="M0 0L5 5"/><clipPath id="c"><rect width="4" height="4"/></clipPath></defs><use xlink:href="#p" fill="url(#g1)" clip-path="url('#c')"/><rect style="fill:url(#g1);stroke:red" width="2" height="2"/></svg>"##),
        ("foreignObject with HTML", #"<svg viewBox="0 0 10 10"><foreignObject width="10" height="10"><div xmlns="http://www.w3.org/1999/xhtml"><script>alert(1)</script><iframe src="http://evil.example/"></iframe><img src="x" onerror="alert(2)"/></div></foreignObject><rect width="1" height="1"/></svg>"#),
        ("billion laughs", #"<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;"><!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]><svg><text>&lol3;</text></svg>"#),
        ("external entity", "<?xml version=\"1.0\"?>\n<!DOCTYPE svg [\n  <!ENTITY xxe SYSTEM \"file:///etc/passwd\">\n]>\n<svg><text>&xxe;</text></svg>"),
        ("undeclared entity without a DTD", #"<svg viewBox="0 0 10 10"><text>&xxe;</text></svg>"#),
        ("parameter entity in a DOCTYPE", #"<!DOCTYPE svg SYSTEM "http://evil.example/x.dtd" [ <!ENTITY % p SYSTEM "http://evil.example/p"> %p; ]><svg/>"#),
        ("external DTD without a subset is skipped, never fetched", "<?xml version=\"1.0\" encoding=\"utf-8\" standalone=\"no\"?>\n<!DOCTYPE svg PUBLIC \"-//W3C//DTD SVG 1.1//EN\"\n  \"http://www.w3.org/Graphics/SVG/1.1/DTD/svg11.dtd\">\n<svg xmlns:xlink=\"http://www.w3.org/1999/xlink\" width=\"100pt\" height=\"50pt\" viewBox=\"0 0 100 50\" xmlns=\"http://www.w3.org/2000/svg\" version=\"1.1\"><rect width=\"100\" height=\"50\"/></svg>"),
        ("style sheet with @import and remote url()", ##"<svg viewBox="0 0 10 10"><style>@import url(http://evil.example/x.css); @import "y.css"; @font-face { font-family: x; src: url(http://evil.example/f.woff) } rect { fill: url(http://evil.example/p.png); stroke: red } circle, #dot { fill: url(#g); stroke-width: 2 } body { display: none } text { behavior: url(x.htc); -moz-binding: url(x.xml#b); font-size: 9px } line { stroke: u\72l(http://evil.example/) } @media print { rect { fill: blue } } /* url(http://evil.example/c) */</style><circle id="dot" r="1"/></svg>"##),
        ("style attribute", ##"<svg viewBox="0 0 10 10"><rect width="1" height="1" style="fill:url(http://evil.example/a);stroke:blue;background-image:url(http://evil.example/b);position:fixed;font-family:'DejaVu Sans', sans-serif"/><rect width="1" height="1" style="fill:u\rl(http://evil.example/)"/><rect width="1" height="1" fill="url(HTTP://evil.example/)" stroke="URL(#a)"/></svg>"##),
        ("CDATA tricks", #"<svg viewBox="0 0 10 10"><style><![CDATA[</style><script>alert(1)</script>]]></style><text><![CDATA[<script>alert(2)</script>]]></text><desc><![CDATA[]]]]><![CDATA[>]]></desc></svg>"#),
        ("upper and mixed case tags", #"<svg viewBox="0 0 10 10"><SCRIPT>alert(1)</SCRIPT><Script>alert(2)</Script><foreignobject><p>x</p></foreignobject><ForeignObject><p>y</p></ForeignObject><RECT width="1" height="1"/><svg:script xmlns:svg="http://www.w3.org/2000/svg">alert(3)</svg:script><rect WIDTH="1" Height="2" width="3" height="4"/></svg>"#),
        ("quotes in attribute values", #"<svg viewBox="0 0 10 10"><rect class='a" onmouseover="alert(1)' width="1" height="1"/><text x="1" font-family='"&gt;&lt;script&gt;alert(2)&lt;/script&gt;'>"quoted" &amp; 'apostrophe' &lt;b&gt;</text></svg>"#),
        ("encoded javascript", #"<svg viewBox="0 0 10 10"><a href="&#x6A;avascript:alert(1)"><rect width="1" height="1"/></a><use href="&#106;avascript:alert(2)"/><use href="&#x23;ok"/><rect id="ok" width="1" height="1" fill="u&#x72;l(http://evil.example/)"/></svg>"#),
        ("animation and set", #"<svg viewBox="0 0 10 10"><a><animate attributeName="href" values="javascript:alert(1)"/><set attributeName="onclick" to="alert(2)"/><rect width="1" height="1"/></a><animateTransform attributeName="transform" type="rotate"/></svg>"#),
        ("processing instructions and comments", #"<?xml version="1.0"?><?xml-stylesheet href="http://evil.example/x.css"?><!-- <script>alert(1)</script> --><svg viewBox="0 0 10 10"><?php echo 1; ?><!-- <foreignObject/> --><rect width="1" height="1"/></svg>"#),
        ("metadata, editor namespaces and the file's own title", #"<svg viewBox="0 0 10 10" xmlns:inkscape="http://www.inkscape.org/namespaces/inkscape" inkscape:version="1.2"><title>old title</title><desc>old desc</desc><metadata><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"/></metadata><inkscape:grid/><g inkscape:label="layer"><title>tooltip stays</title><rect width="1" height="1" data-x="1" aria-label="x" tabindex="0"/></g></svg>"#),
        ("root without a viewBox gets one from pixel sizes", #"<svg width="400px" height="300"><rect width="1" height="1"/></svg>"#),
        ("root attributes move to a group", #"<svg class="svglite" viewBox="0 0 10 10" fill="none" font-family="Arial" style="stroke:black" preserveAspectRatio="xMidYMid meet"><style>.svglite line { stroke: #000 } svg &gt; rect { fill: red }</style><line x2="1"/></svg>"#),
        ("matplotlib figure", """
            <?xml version="1.0" encoding="utf-8" standalone="no"?>
            <!DOCTYPE svg PUBLIC "-//W3C//DTD SVG 1.1//EN"
              "http://www.w3.org/Graphics/SVG/1.1/DTD/svg11.dtd">
            <svg xmlns:xlink="http://www.w3.org/1999/xlink" width="460.8pt" height="345.6pt" viewBox="0 0 460.8 345.6" xmlns="http://www.w3.org/2000/svg" version="1.1">
             <metadata>
              <rdf:RDF xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:cc="http://creativecommons.org/ns#" xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">
               <cc:Work><dc:type rdf:resource="http://purl.org/dc/dcmitype/StillImage"/></cc:Work>
              </rdf:RDF>
             </metadata>
             <defs>
              <style type="text/css">*{stroke-linejoin: round; stroke-linecap: butt}</style>
             </defs>
             <g id="figure_1">
              <g id="patch_1">
               <path d="M 0 345.6 L 460.8 345.6 L 460.8 0 L 0 0 z" style="fill: #ffffff"/>
              </g>
              <g id="axes_1">
               <g id="line2d_1">
                <defs>
                 <path id="m8f0c1d2e3a" d="M 0 0 L 0 3.5" style="stroke: #000000; stroke-width: 0.8"/>
                </defs>
                <g>
                 <use xlink:href="#m8f0c1d2e3a" x="73.832727" y="307.584" style="stroke: #000000; stroke-width: 0.8"/>
                </g>
               </g>
               <g id="patch_2">
                <path d="M 57.6 307.584 L 83.2 307.584 L 83.2 120 L 57.6 120 z" clip-path="url(#p4d1c7a2b9e)" style="fill: #1f77b4"/>
               </g>
              </g>
             </g>
             <defs>
              <clipPath id="p4d1c7a2b9e">
               <rect x="57.6" y="41.472" width="357.12" height="266.112"/>
              </clipPath>
             </defs>
            </svg>
            """),
        ("svglite figure", """
            <?xml version='1.0' encoding='UTF-8' ?>
            <svg xmlns='http://www.w3.org/2000/svg' xmlns:xlink='http://www.w3.org/1999/xlink' class='svglite' width='720.00pt' height='576.00pt' viewBox='0 0 720.00 576.00'>
            <defs>
              <style type='text/css'><![CDATA[
                .svglite line, .svglite polyline, .svglite polygon, .svglite path, .svglite rect, .svglite circle {
                  fill: none;
                  stroke: #000000;
                  stroke-linecap: round;
                  stroke-linejoin: round;
                  stroke-miterlimit: 10.00;
                }
                .svglite text {
                  white-space: pre;
                }
              ]]></style>
            </defs>
            <rect width='100%' height='100%' style='stroke: none; fill: #FFFFFF;'/>
            <defs>
              <clipPath id='cpMC4wMHw3MjAuMDB8MC4wMHw1NzYuMDA='>
                <rect x='0.00' y='0.00' width='720.00' height='576.00' />
              </clipPath>
            </defs>
            <g clip-path='url(#cpMC4wMHw3MjAuMDB8MC4wMHw1NzYuMDA=)'>
            <polyline points='59.54,533.72 59.54,58.61 ' style='stroke-width: 1.07; stroke: #F8766D;' />
            <text x='59.54' y='549.40' text-anchor='middle' style='font-size: 8.80px; fill: #4D4D4D; font-family: "Liberation Sans";' textLength='4.89px' lengthAdjust='spacingAndGlyphs'>0</text>
            </g>
            </svg>
            """),
        ("not an SVG", #"<html><body><script>alert(1)</script></body></html>"#),
        ("text after the root", #"<svg viewBox="0 0 1 1"/>trailing<script>alert(1)</script>"#),
        ("two roots", #"<svg viewBox="0 0 1 1"/><svg/>"#),
        ("unbalanced tags", "<svg viewBox=\"0 0 1 1\">\n<g><rect></g></svg>"),
        ("unterminated file", #"<svg viewBox="0 0 1 1"><g>"#),
        ("duplicate attribute", #"<svg viewBox="0 0 1 1"><rect width="1" width="2"/></svg>"#),
        ("unquoted attribute", #"<svg viewBox=0><rect/></svg>"#),
        ("less-than in an attribute", #"<svg viewBox="0 0 1 1"><rect class="<script>"/></svg>"#),
        ("bare ampersand", #"<svg viewBox="0 0 1 1"><text>R&D</text></svg>"#),
        ("invalid character reference", #"<svg viewBox="0 0 1 1"><text>&#0;&#xD800;</text></svg>"#),
        ("control character", "<svg viewBox=\"0 0 1 1\"><text>a\u{1}b</text></svg>"),
        ("element declaration without DOCTYPE", #"<!ENTITY x "y"><svg/>"#),
        ("CDATA outside the root", #"<![CDATA[x]]><svg/>"#),
    ]

    @Test("hostile SVGs: scripts, handlers, foreign references, DTDs, CSS and encodings — whole output or error per case")
    func hostileGolden() {
        let sanitizer = SVGSanitizer(id: "figure1")
        var out = ""
        for (name, input) in Self.cases {
            out += "## \(name)\ninput:\n\(input)\n"
            do {
                out += "output:\n" + (try sanitizer.sanitize(Array(input.utf8), title: "Alt text", description: "A caption")) + "\n\n"
            } catch {
                out += "error:\n\(error.message)\n\n"
            }
        }
        Golden.check(out, "svg-sanitizer.txt")
    }

    @Test("no case lets through a script, a handler, a foreign URL or an HTML element")
    func nothingActiveSurvives() throws {
        let sanitizer = SVGSanitizer(id: "figure1")
        for (name, input) in Self.cases {
            guard let svg = try? sanitizer.sanitize(Array(input.utf8), title: "t", description: "d") else { continue }
            // The root's own namespace declaration is the one URL the output may hold.
            let lower = svg.replacingOccurrences(of: "xmlns=\"http://www.w3.org/2000/svg\"", with: "").lowercased()
            #expect(!Self.hasHandler(lower), "case '\(name)' lets through an event handler: \(svg)")
            for needle in ["<script", "javascript", "http:", "https:", "//evil", "data:", "<foreignobject", "<image",
                           "<iframe", "<img", "<animate", "<set", "@import", "<!doctype", "<!entity", "<?"] {
                #expect(!lower.contains(needle), "case '\(name)' lets through '\(needle)': \(svg)")
            }
        }
    }

    /// Whether `svg` has an attribute named `on…` (an escaped `on…=&quot;` inside a value is text).
    static func hasHandler(_ svg: String) -> Bool {
        let chars = Array(svg)
        var i = 0
        while i + 3 < chars.count {
            if chars[i] == " " && chars[i + 1] == "o" && chars[i + 2] == "n" {
                var j = i + 3
                while j < chars.count && chars[j].isLetter { j += 1 }
                if j + 1 < chars.count && chars[j] == "=" && chars[j + 1] == "\"" { return true }
            }
            i += 1
        }
        return false
    }

    @Test("a file over the size limit is refused before it is parsed, with its size and a fix")
    func tooLarge() {
        let huge = Array("<svg>".utf8) + Array(repeating: UInt8(ascii: " "), count: SVGSanitizer.maxBytes) + Array("</svg>".utf8)
        #expect(throws: SVGSanitizer.Failure(message: "the SVG is 4.0 MiB, over the limit of 4 MiB for an inlined figure; draw fewer points (or rasterise dense layers) or save it as PNG")) {
            try SVGSanitizer(id: "f").sanitize(huge, title: "t", description: "d")
        }
    }

    @Test("nesting deeper than 256 levels is refused with its position")
    func tooDeep() {
        let deep = "<svg>" + String(repeating: "<g>", count: 300) + String(repeating: "</g>", count: 300) + "</svg>"
        #expect(throws: SVGSanitizer.Failure(message: "line 1, column 771: elements nested deeper than 256 levels")) {
            try SVGSanitizer(id: "f").sanitize(Array(deep.utf8), title: "t", description: "d")
        }
    }

    @Test("two inlined figures with the same ids do not clash: each id and reference carries its figure's prefix")
    func idsDoNotClash() throws {
        let file = Array(##"<svg viewBox="0 0 1 1"><defs><clipPath id="p0"><rect width="1" height="1"/></clipPath></defs><g clip-path="url(#p0)"/></svg>"##.utf8)
        let one = try SVGSanitizer(id: "figure1").sanitize(file, title: "a", description: "a")
        let two = try SVGSanitizer(id: "figure2").sanitize(file, title: "b", description: "b")
        #expect(one.contains("id=\"figure1-svg-p0\"") && one.contains("clip-path=\"url(#figure1-svg-p0)\""))
        #expect(two.contains("id=\"figure2-svg-p0\"") && two.contains("clip-path=\"url(#figure2-svg-p0)\""))
    }
}

/// PNG files checked before they are inlined as data URIs.
@Suite struct PNGImageTests {
    /// A valid 2 × 1 RGBA PNG built from its parts (signature, IHDR, IDAT, IEND with real CRCs).
    static func png(width: UInt32 = 2, height: UInt32 = 1, colour: UInt8 = 6, depth: UInt8 = 8, trailing: [UInt8] = []) -> [UInt8] {
        func be(_ v: UInt32) -> [UInt8] { [UInt8(v >> 24), UInt8(v >> 16 & 255), UInt8(v >> 8 & 255), UInt8(v & 255)] }
        func chunk(_ type: String, _ data: [UInt8]) -> [UInt8] {
            let body = Array(type.utf8) + data
            return be(UInt32(data.count)) + body + be(PNGImage.crc32(body[...]))
        }
        let ihdr = be(width) + be(height) + [depth, colour, 0, 0, 0]
        let idat: [UInt8] = [0x78, 0x9C, 0x63, 0x60, 0x00, 0x00, 0x00, 0x02, 0x00, 0x01]
        return PNGImage.signature + chunk("IHDR", ihdr) + chunk("IDAT", idat) + chunk("IEND", []) + trailing
    }

    @Test("a valid PNG becomes a data URI of its exact bytes, with its size")
    func valid() throws {
        let image = try PNGImage(Self.png())
        #expect(image.width == 2 && image.height == 1)
        #expect(image.dataURI == "data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAIAAAABCAYAAAD0In+KAAAACklEQVR4nGNgAAAAAgABSK+kcQAAAABJRU5ErkJggg==")
        #expect(FigurePanels.image(image, alt: "A \"quoted\" <alt>") == "<img src=\"\(image.dataURI)\" alt=\"A &quot;quoted&quot; &lt;alt&gt;\" width=\"2\" height=\"1\" style=\"display:block;max-width:100%;height:auto\">")
    }

    @Test("base64 pads as RFC 4648 says")
    func base64() {
        #expect(PNGImage.base64(Array("Man".utf8)) == "TWFu")
        #expect(PNGImage.base64(Array("Ma".utf8)) == "TWE=")
        #expect(PNGImage.base64(Array("M".utf8)) == "TQ==")
        #expect(PNGImage.base64([]) == "")
    }

    @Test("damaged, disguised and oversized PNGs are refused with the byte and a fix")
    func refused() {
        var badCRC = Self.png()
        badCRC[20] ^= 1
        let cases: [([UInt8], String)] = [
            (Array("<svg/>".utf8), "not a PNG file (its first bytes are not the PNG signature); save the figure as PNG or SVG"),
            (badCRC, "byte 29: the PNG's IHDR checksum is wrong; the file is damaged, write it again"),
            (Array(Self.png().dropLast(12)), "byte 55: the PNG ends without an IEND chunk (truncated?); write it again"),
            (Array(Self.png().dropLast(3)), "byte 55: a PNG chunk runs past the end of the file (truncated?); write it again"),
            (Self.png(width: 100_000), "the PNG is 100000 × 1 pixels; each side must be 1 to 20000 pixels"),
            (Self.png(width: 0), "the PNG is 0 × 1 pixels; each side must be 1 to 20000 pixels"),
            (Self.png(colour: 2, depth: 4), "byte 24: the PNG's IHDR holds an invalid bit depth, colour type or method; the file is damaged, write it again"),
            (Self.png(trailing: Array("<script>alert(1)</script>".utf8)), "byte 67: 25 bytes follow the PNG's IEND chunk; write the file again without them"),
            (Self.png() + Array(repeating: 0, count: PNGImage.maxBytes), "the PNG is 5.0 MiB, over the limit of 5 MiB for an inlined image; save it smaller (lower dpi) or as SVG"),
        ]
        for (bytes, message) in cases {
            #expect(throws: PNGImage.Failure(message: message)) { try PNGImage(bytes) }
        }
    }
}
