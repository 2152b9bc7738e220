//! Table tests for `allocate`: our own cases, and published vectors and bug
//! reports of other money libraries, with what the largest remainder rule
//! gives for each.
#![allow(clippy::unwrap_used, clippy::indexing_slicing)]

use ltc_incentive::{allocate, Error};
use rust_decimal::Decimal;
use rust_decimal_macros::dec;
use std::str::FromStr;

fn d(s: &str) -> Decimal {
    Decimal::from_str(s).unwrap()
}

fn ds(xs: &[&str]) -> Vec<Decimal> {
    xs.iter().map(|s| d(s)).collect()
}

/// (source, amount, weights, scale, expected parts)
type Vector = (
    &'static str,
    &'static str,
    &'static [&'static str],
    u32,
    &'static [&'static str],
);

const VECTORS: &[Vector] = &[
    // Martin Fowler, Patterns of Enterprise Application Architecture, "Money":
    // allocate 5 cents 30% / 70%.
    ("fowler-peaa", "0.05", &["3", "7"], 2, &["0.02", "0.03"]),
    // Shopify money spec "allocate does not lose pennies" (0.3 / 0.7), and JPY.
    (
        "shopify-money",
        "0.05",
        &["0.3", "0.7"],
        2,
        &["0.02", "0.03"],
    ),
    ("shopify-money-jpy", "5", &["0.3", "0.7"], 0, &["2", "3"]),
    // moneyphp docs: 5 cents 70/30, and in the other order.
    ("moneyphp-docs", "0.05", &["70", "30"], 2, &["0.04", "0.01"]),
    (
        "moneyphp-docs-reversed",
        "0.05",
        &["30", "70"],
        2,
        &["0.02", "0.03"],
    ),
    // moneyphp docs: 8.00 to 3 targets.
    (
        "moneyphp-allocate-to",
        "8.00",
        &["1", "1", "1"],
        2,
        &["2.67", "2.67", "2.66"],
    ),
    // moneyphp issue 436 (zero ratio got a cent): 5 cents by [0, 7, 3].
    (
        "moneyphp-436",
        "0.05",
        &["0", "7", "3"],
        2,
        &["0.00", "0.04", "0.01"],
    ),
    // moneyphp issue 466 (crashed when the amount has fewer units than parts).
    ("moneyphp-466", "0.01", &["1", "1"], 2, &["0.01", "0.00"]),
    // moneyphp PR 492 (remainder cent went first, not to the larger fraction).
    (
        "moneyphp-492-cent",
        "0.01",
        &["33", "66"],
        2,
        &["0.00", "0.01"],
    ),
    (
        "moneyphp-492-commission",
        "99.99",
        &["75", "25"],
        2,
        &["74.99", "25.00"],
    ),
    // dinero.js docs: 10.03 by [50, 50], 1.00 by [1, 3], zero ratios.
    ("dinero-docs", "10.03", &["50", "50"], 2, &["5.02", "5.01"]),
    (
        "dinero-docs-ratio",
        "1.00",
        &["1", "3"],
        2,
        &["0.25", "0.75"],
    ),
    (
        "dinero-docs-zero",
        "10.03",
        &["0", "50", "50"],
        2,
        &["0.00", "5.02", "5.01"],
    ),
    // dinero.js issue 144 (penny went to the first ratio): 10.03 by [49, 51].
    ("dinero-144", "10.03", &["49", "51"], 2, &["4.91", "5.12"]),
    // Shopify money PR 175 (round robin favoured the first party).
    ("shopify-175", "0.05", &["45", "55"], 2, &["0.02", "0.03"]),
    // ts-money PR 5 (a zero ratio received a cent).
    (
        "ts-money-5",
        "299.00",
        &["265.09", "0", "33.91"],
        2,
        &["265.09", "0.00", "33.91"],
    ),
    // brick/money issue 111: FloorToLargestRemainder gives 98, 2, 120.
    (
        "brick-111",
        "220.00",
        &["445455", "9091", "545455"],
        2,
        &["98.00", "2.00", "120.00"],
    ),
    // brick/money PR 55: 0.03 by 75/25.
    ("brick-55", "0.03", &["75", "25"], 2, &["0.02", "0.01"]),
    // Ruby money / crystal money split(3) of 1.00.
    (
        "ruby-money-split",
        "1.00",
        &["1", "1", "1"],
        2,
        &["0.34", "0.33", "0.33"],
    ),
    // RubyMoney issue 1033: round robin lost a penny on 7002.73. The fixed
    // round robin gives 615.66, 615.66, 615.65 x 5, 609.53, ...; the largest
    // remainder rule gives the extra cent to the share 60953.62, not to
    // the first two (61564.77 each).
    (
        "rubymoney-1033",
        "7002.73",
        &[
            "1.1818583143661",
            "1.1818583143661",
            "1.1818583143661",
            "1.1818583143661",
            "1.1818583143661",
            "1.1818583143661",
            "1.1818583143661",
            "1.170126087450276",
            "1.0",
            "1.0",
            "1.0",
            "1.0",
        ],
        2,
        &[
            "615.65", "615.65", "615.65", "615.65", "615.65", "615.65", "615.65", "609.54",
            "520.91", "520.91", "520.91", "520.91",
        ],
    ),
    // Exactness: 3.00 three ways is 1.00 each, not 0.99 patched up.
    (
        "exact-thirds",
        "3.00",
        &["1", "1", "1"],
        2,
        &["1.00", "1.00", "1.00"],
    ),
    (
        "exact-weights-thirds",
        "3.00",
        &["0.3333", "0.3333", "0.3333"],
        2,
        &["1.00", "1.00", "1.00"],
    ),
    // Negative amounts: split the absolute value, negate every part.
    ("negative", "-0.05", &["3", "7"], 2, &["-0.02", "-0.03"]),
    (
        "negative-thirds",
        "-1.00",
        &["1", "1", "1"],
        2,
        &["-0.34", "-0.33", "-0.33"],
    ),
    // Zero amount.
    ("zero", "0", &["1", "2"], 2, &["0.00", "0.00"]),
    // Scale 0 and scale 3 currencies (JPY, KWD).
    ("jpy", "100", &["1", "1", "1"], 0, &["34", "33", "33"]),
    (
        "kwd",
        "1.000",
        &["1", "1", "1"],
        3,
        &["0.334", "0.333", "0.333"],
    ),
    // The amount may be given with fewer or more (zero) decimals than scale.
    (
        "coarse-amount",
        "10",
        &["1", "1", "1"],
        2,
        &["3.34", "3.33", "3.33"],
    ),
    (
        "trailing-zeros",
        "10.000",
        &["1", "1", "1"],
        2,
        &["3.34", "3.33", "3.33"],
    ),
    // Ties go to the lower index; larger remainders first.
    (
        "ties-lower-index",
        "0.02",
        &["1", "1", "1"],
        2,
        &["0.01", "0.01", "0.00"],
    ),
    (
        "largest-first",
        "0.10",
        &["1", "1", "1", "7"],
        2,
        &["0.01", "0.01", "0.01", "0.07"],
    ),
    (
        "largest-remainder",
        "0.04",
        &["10", "15", "15"],
        2,
        &["0.01", "0.02", "0.01"],
    ),
    // Mixed weight scales.
    (
        "mixed-scales",
        "1.00",
        &["0.5", "25", "0.25"],
        2,
        &["0.02", "0.97", "0.01"],
    ),
];

#[test]
fn published_and_own_vectors() {
    for (source, amount, weights, scale, expected) in VECTORS {
        let got = allocate(d(amount), &ds(weights), *scale).unwrap();
        let got: Vec<String> = got.iter().map(ToString::to_string).collect();
        assert_eq!(got, expected.to_vec(), "{source}");
        let sum: Decimal = allocate(d(amount), &ds(weights), *scale)
            .unwrap()
            .iter()
            .sum();
        assert_eq!(sum, d(amount), "{source}: sum");
    }
}

#[test]
fn refusals() {
    let cases: Vec<(Decimal, Vec<Decimal>, u32, Error)> = vec![
        (dec!(1), vec![], 2, Error::NoWeights),
        (
            dec!(1),
            vec![dec!(1), dec!(-1)],
            2,
            Error::NegativeWeight {
                index: 1,
                weight: dec!(-1),
            },
        ),
        (
            dec!(1),
            vec![dec!(0), dec!(0.00)],
            2,
            Error::AllWeightsZero { count: 2 },
        ),
        (
            dec!(10.005),
            vec![dec!(1)],
            2,
            Error::AmountFinerThanMinorUnit {
                amount: dec!(10.005),
                scale: 2,
            },
        ),
        (
            dec!(1),
            vec![dec!(1)],
            29,
            Error::ScaleOutOfRange { scale: 29 },
        ),
        (
            Decimal::MAX,
            vec![dec!(1)],
            2,
            Error::Overflow {
                what: "the amount in minor units",
            },
        ),
    ];
    for (amount, weights, scale, expected) in cases {
        assert_eq!(allocate(amount, &weights, scale), Err(expected));
    }
}

#[test]
fn negative_zero_weight_is_zero_not_negative() {
    let minus_zero = -dec!(0.0);
    assert_eq!(
        allocate(dec!(1.00), &[minus_zero, dec!(1)], 2).unwrap(),
        [dec!(0), dec!(1)]
    );
}

#[test]
fn extreme_decimals_take_the_exact_wide_path() {
    // Weights whose aligned values exceed u128: 28-digit fractions next to a
    // 29-digit integer.
    let tiny = d("0.0000000000000000000000000001");
    let huge = Decimal::MAX;
    let parts = allocate(dec!(100.00), &[tiny, huge, tiny], 2).unwrap();
    assert_eq!(parts, [dec!(0), dec!(100), dec!(0)]);
    let thirds = d("0.3333333333333333333333333333");
    let parts = allocate(Decimal::MAX, &[thirds, thirds, thirds], 0).unwrap();
    assert_eq!(parts.iter().sum::<Decimal>(), Decimal::MAX);
    // 2^96 - 1 is divisible by 3.
    assert!(parts
        .iter()
        .all(|&p| p == d("26409387504754779197847983445")));
    let parts = allocate(Decimal::MAX - dec!(1), &[thirds, thirds, thirds], 0).unwrap();
    assert_eq!(parts[0], d("26409387504754779197847983445"));
    assert_eq!(parts[2], d("26409387504754779197847983444"));
    // The largest amount at scale 28 with weights at scale 28.
    let amount = d("7.9228162514264337593543950335");
    let parts = allocate(amount, &[thirds, d("0.6666666666666666666666666667")], 28).unwrap();
    assert_eq!(parts.iter().sum::<Decimal>(), amount);
}

#[test]
fn a_million_parts() {
    let weights: Vec<Decimal> = (0..1_000_000u32)
        .map(|i| Decimal::new(i64::from(i % 997) + 1, i % 3))
        .collect();
    let amount = dec!(12345678.91);
    let parts = allocate(amount, &weights, 2).unwrap();
    assert_eq!(parts.len(), weights.len());
    assert_eq!(parts.iter().sum::<Decimal>(), amount);
}
