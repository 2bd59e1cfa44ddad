use super::*;

use AccessLevel::{Admin as A, Anonymous as Anon, Approved as Appr, Registered as Reg};

/// The kinds of principal the table covers.
#[derive(Debug, Clone, Copy)]
enum Who {
    Anonymous,
    Registered,
    PlatformAdmin,
    Viewer,
    Editor,
    AdminMember,
    Owner,
}

const EVERYONE: [Who; 7] = [
    Who::Anonymous,
    Who::Registered,
    Who::PlatformAdmin,
    Who::Viewer,
    Who::Editor,
    Who::AdminMember,
    Who::Owner,
];

fn ask(who: Who, read: AccessLevel, write: AccessLevel, attachments: AccessLevel) -> Permissions {
    let user = Principal::User {
        user_id: 5,
        is_platform_admin: false,
    };
    let (principal, role) = match who {
        Who::Anonymous => (Principal::Anonymous, None),
        Who::Registered => (user, None),
        Who::PlatformAdmin => (
            Principal::User {
                user_id: 5,
                is_platform_admin: true,
            },
            None,
        ),
        Who::Viewer => (user, Some(Role::Viewer)),
        Who::Editor => (user, Some(Role::Editor)),
        Who::AdminMember => (user, Some(Role::Admin)),
        Who::Owner => (user, Some(Role::Owner)),
    };
    let access = AccessSettings {
        read,
        write,
        attachments,
    };
    permissions(&principal, role, &access)
}

/// "rwua" with a letter for each granted permission, in that order.
fn letters(p: Permissions) -> String {
    [
        (p.read, 'r'),
        (p.write, 'w'),
        (p.upload, 'u'),
        (p.admin, 'a'),
    ]
    .into_iter()
    .filter_map(|(granted, c)| granted.then_some(c))
    .collect()
}

/// An independent statement of the rules: a principal has a clearance rank, a level a required
/// rank; the role then caps the result and the hierarchy strips what lacks its prerequisite.
fn oracle(who: Who, read: AccessLevel, write: AccessLevel, attachments: AccessLevel) -> String {
    let clearance = match who {
        Who::Anonymous => 0,
        Who::Registered | Who::PlatformAdmin => 1,
        Who::Viewer | Who::Editor => 2,
        Who::AdminMember | Who::Owner => 3,
    };
    if clearance == 3 {
        return "rwua".into();
    }
    let rank = |level: AccessLevel| match level {
        Anon => 0,
        Reg => 1,
        Appr => 2,
        A => 3,
    };
    let (r, mut w, mut u) = (
        clearance >= rank(read),
        clearance >= rank(write),
        clearance >= rank(attachments),
    );
    if matches!(who, Who::Viewer) {
        w = false;
        u = false;
    }
    if !r {
        w = false;
    }
    if !w {
        u = false;
    }
    let mut s = String::new();
    for (granted, c) in [(r, 'r'), (w, 'w'), (u, 'u')] {
        if granted {
            s.push(c);
        }
    }
    s
}

#[test]
fn every_principal_at_every_level_matches_the_oracle() {
    let mut rows = 0;
    for who in EVERYONE {
        for read in AccessLevel::ALL {
            for write in AccessLevel::ALL {
                for attachments in AccessLevel::ALL {
                    let got = ask(who, read, write, attachments);
                    assert_eq!(
                        letters(got),
                        oracle(who, read, write, attachments),
                        "{who:?} read={read} write={write} attachments={attachments}"
                    );
                    // The hierarchy holds everywhere.
                    assert!(!got.write || got.read, "write without read");
                    assert!(!got.upload || got.write, "upload without write");
                    assert!(!got.admin || (got.read && got.write && got.upload));
                    rows += 1;
                }
            }
        }
    }
    assert_eq!(rows, 7 * 64);
}

#[test]
fn hand_written_rows() {
    #[rustfmt::skip]
    let rows: &[(Who, AccessLevel, AccessLevel, AccessLevel, &str)] = &[
        // The default: private.
        (Who::Anonymous,     Appr, Appr, Appr, ""),
        (Who::Registered,    Appr, Appr, Appr, ""),
        (Who::PlatformAdmin, Appr, Appr, Appr, ""),
        (Who::Viewer,        Appr, Appr, Appr, "r"),
        (Who::Editor,        Appr, Appr, Appr, "rwu"),
        (Who::AdminMember,   Appr, Appr, Appr, "rwua"),
        (Who::Owner,         Appr, Appr, Appr, "rwua"),
        // Wide open.
        (Who::Anonymous,     Anon, Anon, Anon, "rwu"),
        (Who::Registered,    Anon, Anon, Anon, "rwu"),
        (Who::Viewer,        Anon, Anon, Anon, "r"),
        (Who::Editor,        Anon, Anon, Anon, "rwu"),
        // Public to read, members write.
        (Who::Anonymous,     Anon, Appr, Appr, "r"),
        (Who::Registered,    Anon, Appr, Appr, "r"),
        (Who::Editor,        Anon, Appr, Appr, "rwu"),
        (Who::Anonymous,     Anon, Reg,  Reg,  "r"),
        (Who::Registered,    Anon, Reg,  Appr, "rw"),
        (Who::Anonymous,     Anon, Anon, Appr, "rw"),
        // Signed-in users only.
        (Who::Anonymous,     Reg,  Reg,  Reg,  ""),
        (Who::Registered,    Reg,  Reg,  Reg,  "rwu"),
        (Who::PlatformAdmin, Reg,  Reg,  Reg,  "rwu"),
        (Who::Registered,    Reg,  Appr, Appr, "r"),
        (Who::Registered,    Reg,  Appr, Anon, "r"),
        // Hierarchy: a more open lower level grants nothing on its own.
        (Who::Anonymous,     Reg,  Anon, Anon, ""),
        (Who::Registered,    Appr, Anon, Anon, ""),
        (Who::Registered,    Reg,  A,    Reg,  "r"),
        (Who::Viewer,        Appr, A,    Anon, "r"),
        // Admin-only levels.
        (Who::Viewer,        A,    Appr, Appr, ""),
        (Who::Editor,        A,    Appr, Appr, ""),
        (Who::Editor,        Appr, A,    A,    "r"),
        (Who::Editor,        Appr, Appr, A,    "rw"),
        (Who::Editor,        Reg,  Appr, Reg,  "rwu"),
        (Who::AdminMember,   A,    A,    A,    "rwua"),
        (Who::Owner,         A,    A,    A,    "rwua"),
        (Who::Anonymous,     A,    A,    A,    ""),
        (Who::PlatformAdmin, A,    A,    A,    ""),
    ];
    for &(who, read, write, attachments, expected) in rows {
        assert_eq!(
            letters(ask(who, read, write, attachments)),
            expected,
            "{who:?} read={read} write={write} attachments={attachments}"
        );
    }
}

#[test]
fn an_anonymous_principal_holds_no_role() {
    for role in Role::ALL {
        let got = permissions(
            &Principal::Anonymous,
            Some(role),
            &AccessSettings::default(),
        );
        assert_eq!(got, Permissions::NONE, "{role}");
    }
}

#[test]
fn new_wikis_are_private() {
    assert_eq!(
        AccessSettings::default(),
        AccessSettings {
            read: Appr,
            write: Appr,
            attachments: Appr
        }
    );
}

#[test]
fn names_round_trip_and_unknown_names_fail_closed() {
    for level in AccessLevel::ALL {
        assert_eq!(level.to_string().parse::<AccessLevel>(), Ok(level));
    }
    for role in Role::ALL {
        assert_eq!(role.to_string().parse::<Role>(), Ok(role));
    }
    for bad in ["", "Anonymous", "public", "approved ", "owner"] {
        assert!(bad.parse::<AccessLevel>().is_err(), "{bad:?}");
    }
    for bad in ["", "Admin", "member", "anonymous"] {
        assert!(bad.parse::<Role>().is_err(), "{bad:?}");
    }
    let err = "public".parse::<AccessLevel>().expect_err("unknown");
    assert!(
        err.to_string()
            .contains("anonymous, registered, approved or admin")
    );
}

#[test]
fn principal_user_id() {
    assert_eq!(Principal::Anonymous.user_id(), None);
    let user = Principal::User {
        user_id: 9,
        is_platform_admin: true,
    };
    assert_eq!(user.user_id(), Some(9));
}

fn api_token(role: TokenRole) -> Principal {
    Principal::Agent {
        user_id: 7,
        credential: Credential::ApiToken { token_id: 1, role },
    }
}

fn oauth_app() -> Principal {
    Principal::Agent {
        user_id: 7,
        credential: Credential::OAuthApp { grant_id: 3 },
    }
}

const PAGES_AND_ATTACHMENTS: Permissions = Permissions {
    read: true,
    write: true,
    upload: true,
    admin: false,
};

#[test]
fn an_owners_tokens_get_their_role_whatever_the_access_levels() {
    let locked = AccessSettings {
        read: AccessLevel::Admin,
        write: AccessLevel::Admin,
        attachments: AccessLevel::Admin,
    };
    for access in [locked, AccessSettings::default()] {
        for role in [Some(Role::Owner), Some(Role::Admin)] {
            assert_eq!(
                permissions(&api_token(TokenRole::ReadOnly), role, &access),
                Permissions {
                    read: true,
                    ..Permissions::NONE
                }
            );
            assert_eq!(
                permissions(&api_token(TokenRole::Editor), role, &access),
                PAGES_AND_ATTACHMENTS
            );
        }
    }
    for role in [TokenRole::ReadOnly, TokenRole::Editor] {
        assert_eq!(role.to_string().parse::<TokenRole>(), Ok(role));
    }
    assert!("Editor".parse::<TokenRole>().is_err());
}

/// Audit finding 2: an OAuth app approved by the owner got the owner's admin powers.
#[test]
fn finding_2_agents_never_get_admin_whatever_their_persons_role() {
    for access in AccessSettings::every() {
        for role in [Some(Role::Owner), Some(Role::Admin)] {
            assert_eq!(
                permissions(&oauth_app(), role, &access),
                PAGES_AND_ATTACHMENTS
            );
            assert!(!permissions(&api_token(TokenRole::Editor), role, &access).admin);
        }
    }
}

/// Audit finding 4: a removed or demoted admin's tokens kept working.
#[test]
fn finding_4_an_agent_never_exceeds_its_persons_current_rights() {
    for access in AccessSettings::every() {
        for role in [
            None,
            Some(Role::Viewer),
            Some(Role::Editor),
            Some(Role::Admin),
            Some(Role::Owner),
        ] {
            let person = permissions(
                &Principal::User {
                    user_id: 7,
                    is_platform_admin: false,
                },
                role,
                &access,
            );
            for agent in [
                api_token(TokenRole::ReadOnly),
                api_token(TokenRole::Editor),
                oauth_app(),
            ] {
                let got = permissions(&agent, role, &access);
                assert_eq!(got, got.and(person), "{agent:?} as {role:?} at {access:?}");
                assert!(!got.admin);
                assert!(!got.write || got.read, "consistent");
                assert!(!got.upload || got.write, "consistent");
            }
        }
    }
    // Removed from a private wiki: nothing at all.
    let private = AccessSettings::default();
    assert_eq!(
        permissions(&api_token(TokenRole::Editor), None, &private),
        Permissions::NONE
    );
    assert_eq!(permissions(&oauth_app(), None, &private), Permissions::NONE);
    // Demoted to viewer: read at most.
    assert_eq!(
        permissions(&api_token(TokenRole::Editor), Some(Role::Viewer), &private),
        Permissions {
            read: true,
            ..Permissions::NONE
        }
    );
    assert_eq!(oauth_app().user_id(), Some(7));
}
