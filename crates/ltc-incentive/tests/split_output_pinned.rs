//! The serialized result of two large splits is pinned, byte for byte, by its length and
//! SHA-256: any change to the JSON a split writes (a field, its order, a digit of an exact share
//! or an adjustment) changes them.
//!
//! The requests are generated here from a fixed seed: 20,000 members over five roles (one with
//! weight zero, one with nobody in it), people holding one to three roles, input not in id
//! order, proration by days with late joiners and early leavers, partial involvement,
//! contributions of up to three decimals, some of them zero, and a holdback. The pinned numbers
//! are those of the JSON that `split` wrote for these requests when this test was added, with
//! result types holding a `String` per id and per role and a `Vec` of lines per person (that
//! JSON was checked by hand against the shapes of `docs/incentive.md`: 14,272 and 14,296 people,
//! about 30% of them with two or three lines, `retained` positive in the second). The results
//! are also read back and written again, which must give the same bytes.
#![allow(clippy::unwrap_used, clippy::indexing_slicing, clippy::panic)]

use chrono::NaiveDate;
use ltc_incentive::{split, Member, Split, SplitRequest, VacantRoles, Window};
use rust_decimal::Decimal;
use sha2::{Digest, Sha256};

fn day(m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, m, d).unwrap()
}

/// xorshift64*: the same numbers on every machine.
struct Rng(u64);

impl Rng {
    fn below(&mut self, n: u64) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d) % n
    }
}

/// `members` (person, role) entries over roles AR, SR, FR, QA (weight zero) and PM (nobody).
fn request(seed: u64, members: usize, vacant: VacantRoles, holdback: Decimal) -> SplitRequest {
    let mut rng = Rng(seed);
    let mut request = SplitRequest::new(
        Decimal::new(12_345_678_901, 2),
        Window::new(day(1, 1), day(7, 1)),
    )
    .role("AR", Decimal::from(40))
    .role("SR", Decimal::new(305, 1))
    .role("FR", Decimal::new(295, 1))
    .role("QA", Decimal::ZERO)
    .role("PM", Decimal::from(10))
    .vacant_roles(vacant)
    .holdback(holdback);
    let roles = ["AR", "SR", "FR", "QA"];
    let involvements = [
        Decimal::ONE,
        Decimal::new(5, 1),
        Decimal::new(75, 2),
        Decimal::new(1, 1),
    ];
    let mut person = 0u64;
    while request.members.len() < members {
        // One to three roles each, about 70% of people in one.
        let held = match rng.below(10) {
            0..=6 => 1,
            7 | 8 => 2,
            _ => 3,
        };
        let first = rng.below(4) as usize;
        // A scrambled id, so the input is not in id order.
        let id = format!("m{:06}", (person * 7_919) % 1_000_003);
        person += 1;
        for k in 0..held {
            let role = roles[(first + k) % roles.len()];
            let contribution = match rng.below(20) {
                0 => Decimal::ZERO,
                _ => Decimal::new(1 + rng.below(99_999) as i64, rng.below(4) as u32),
            };
            let mut member = Member::new(id.as_str(), role, contribution)
                .involvement(involvements[rng.below(4) as usize]);
            if rng.below(3) == 0 {
                member = member.joined(day(1 + rng.below(6) as u32, 1 + rng.below(28) as u32));
            }
            if rng.below(4) == 0 {
                member = member.left(day(2 + rng.below(5) as u32, 1 + rng.below(28) as u32));
            }
            if member.left < member.joined {
                member.left = None;
            }
            request.members.push(member);
        }
    }
    request.members.truncate(members);
    request
}

fn sha256(text: &str) -> String {
    format!("{:x}", Sha256::digest(text.as_bytes()))
}

/// The request and result JSON of a split, with the result read back and written again.
fn check(request: &SplitRequest, want_len: usize, want_sha: &str) {
    let out = split(request).unwrap();
    let json = serde_json::to_string(&out).unwrap();
    assert_eq!((json.len(), sha256(&json).as_str()), (want_len, want_sha));
    let back: Split = serde_json::from_str(&json).unwrap();
    assert_eq!(back, out);
    assert_eq!(serde_json::to_string(&back).unwrap(), json);
    // The request reads back to itself too.
    let text = serde_json::to_string(request).unwrap();
    let again: SplitRequest = serde_json::from_str(&text).unwrap();
    assert_eq!(&again, request);
}

#[test]
fn a_large_split_with_vacant_roles_redistributed_writes_the_pinned_json() {
    let request = request(
        0x5eed_0001,
        20_000,
        VacantRoles::Redistribute,
        Decimal::new(15, 2),
    );
    check(
        &request,
        5_808_036,
        "1d669b9c07da9b94a465effd64cbc742c991cac53fabbce06e2bf2aaa3db17c2",
    );
}

#[test]
fn a_large_split_with_vacant_roles_retained_writes_the_pinned_json() {
    let request = request(
        0x5eed_0002,
        20_000,
        VacantRoles::Retain,
        Decimal::new(125, 3),
    );
    check(
        &request,
        6_190_157,
        "7efdb9e0cb171e2ea14510d0ce7f13ff142858fa89ffae7325e9d60ef48d5cbf",
    );
}
