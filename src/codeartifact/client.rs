//! The one AWS call ca-env makes, GetAuthorizationToken, through aws-config and the SDK: the
//! region from the source, the profile from the user's configuration, and everything else (the
//! credential chain, `AWS_ENDPOINT_URL_CODEARTIFACT`, `AWS_MAX_ATTEMPTS`, …) as the AWS CLI
//! reads it. The credential chain and the call share one deadline.

use std::time::Duration;

use aws_config::timeout::TimeoutConfig;
use aws_config::{BehaviorVersion, Region};
use aws_credential_types::provider::error::CredentialsError;
use aws_sdk_codeartifact::error::{ProvideErrorMetadata, SdkError};

use crate::error::{Error, Exit};
use crate::provider::{FetchError, Fetched, Key, Provider, Terminal};
use crate::secret::Secret;

/// Asks CodeArtifact for a token for `key`'s domain, lasting `duration` seconds (0: as long as
/// the credentials' session). Gives up with exit status 124 when `within` has passed.
///
/// Unless the terminal is `Interactive`, nothing the chain starts (a credential_process, say)
/// can wait for an answer from the user: see [`Detached`].
pub fn get_authorization_token(
    key: &Key,
    duration: u64,
    within: Duration,
    terminal: Terminal,
) -> Result<Fetched, FetchError> {
    fetch(key, duration, within, terminal, None)
}

/// What `ca-env doctor --online` learns from one GetAuthorizationToken for `key`: whether AWS
/// gives a token (the shortest it gives, 15 minutes, dropped at once and stored nowhere), and
/// how far the service's clock is from this machine's.
pub struct Probe {
    pub result: Result<(), FetchError>,
    /// The service's time (the answer's `Date` header; an error's answer carries one too) minus
    /// this machine's when the answer came, in seconds.
    pub skew: Option<i64>,
}

pub fn probe(key: &Key, within: Duration) -> Probe {
    let date = DateReader::default();
    let result = fetch(key, 900, within, Terminal::Detach, Some(&date)).map(drop);
    let skew = *date
        .0
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    Probe { result, skew }
}

fn fetch(
    key: &Key,
    duration: u64,
    within: Duration,
    terminal: Terminal,
    date: Option<&DateReader>,
) -> Result<Fetched, FetchError> {
    let _input = match terminal {
        Terminal::Interactive => None,
        Terminal::Detach => Some(Detached::input(false)),
        Terminal::Keep => Some(Detached::input(true)),
    };
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| Error::new(Exit::Runtime, format!("cannot start the AWS client: {e}")))?;
    runtime.block_on(async {
        match tokio::time::timeout(within, call(key, duration, within, date)).await {
            Ok(result) => result,
            Err(_) => Err(deadline(key, within).into()),
        }
    })
}

async fn call(
    key: &Key,
    duration: u64,
    within: Duration,
    date: Option<&DateReader>,
) -> Result<Fetched, FetchError> {
    let mut loader = aws_config::defaults(BehaviorVersion::latest())
        .region(Region::new(key.region.clone()))
        .timeout_config(
            TimeoutConfig::builder()
                .connect_timeout(within.min(Duration::from_secs(3)))
                .operation_timeout(within)
                .build(),
        );
    if let Some(profile) = &key.profile {
        loader = loader.profile_name(profile);
    }
    let config = loader.load().await;
    let client = aws_sdk_codeartifact::Client::new(&config);
    let request = client
        .get_authorization_token()
        .domain(&key.domain)
        .domain_owner(&key.owner)
        .duration_seconds(i64::try_from(duration).unwrap_or(43200));
    let answer = match date {
        Some(date) => request.customize().interceptor(date.clone()).send().await,
        None => request.send().await,
    }
    .map_err(|e| explain(key, within, &e))?;
    let token = answer
        .authorization_token()
        .map(str::to_string)
        .and_then(Secret::token);
    let expires = answer.expiration().map(|t| t.secs());
    match (token, expires) {
        (Some(token), Some(expires)) => Ok(Fetched { token, expires }),
        _ => Err(Error::new(
            Exit::Runtime,
            format!(
                "CodeArtifact answered for {} without a usable token and expiry",
                key.describe()
            ),
        )
        .into()),
    }
}

/// Reads the `Date` header of whatever the service answered, for [`probe`].
#[derive(Debug, Clone, Default)]
struct DateReader(std::sync::Arc<std::sync::Mutex<Option<i64>>>);

impl aws_sdk_codeartifact::config::Intercept for DateReader {
    fn name(&self) -> &'static str {
        "DateReader"
    }

    fn read_after_transmit(
        &self,
        context: &aws_sdk_codeartifact::config::interceptors::BeforeDeserializationInterceptorContextRef<'_>,
        _: &aws_sdk_codeartifact::config::RuntimeComponents,
        _: &mut aws_sdk_codeartifact::config::ConfigBag,
    ) -> Result<(), aws_sdk_codeartifact::error::BoxError> {
        let now = crate::clock::now();
        if let Some(date) = context.response().headers().get("date").and_then(http_date) {
            *self
                .0
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner) = Some(date - now);
        }
        Ok(())
    }
}

/// Unix seconds of an HTTP date (`Sun, 06 Nov 1994 08:49:37 GMT`, RFC 9110's preferred form,
/// the one AWS sends).
fn http_date(text: &str) -> Option<i64> {
    let format = time::macros::format_description!(
        "[weekday repr:short], [day] [month repr:short] [year] [hour]:[minute]:[second] GMT"
    );
    time::PrimitiveDateTime::parse(text.trim(), format)
        .ok()
        .map(|t| t.assume_utc().unix_timestamp())
}

fn deadline(key: &Key, within: Duration) -> Error {
    Error::new(
        Exit::Deadline,
        format!(
            "no token for {} within {} s",
            key.describe(),
            within.as_secs_f64().ceil()
        ),
    )
    .with_hint("check the network, or raise command_deadline in the configuration")
}

/// One line saying what failed, with the AWS error type when AWS answered.
fn explain<E, R>(key: &Key, within: Duration, e: &SdkError<E, R>) -> FetchError
where
    E: ProvideErrorMetadata + std::error::Error + 'static,
    R: std::fmt::Debug + 'static,
{
    if let SdkError::ServiceError(ctx) = e {
        let err = ctx.err();
        let code = err.code().unwrap_or("an unnamed error");
        let message = one_line(err.message().unwrap_or(""));
        let clock = message.contains("Signature expired") || message.contains("not yet current");
        let hint = match code {
            "AccessDeniedException" => {
                "check that this profile may call codeartifact:GetAuthorizationToken and sts:GetServiceBearerToken"
            }
            "InvalidSignatureException" if clock => {
                "check this machine's clock: AWS refuses requests signed more than 15 minutes off; then run 'ca-env login'"
            }
            "UnrecognizedClientException" | "InvalidSignatureException" => {
                "check the profile's access key and secret, or renew its session ('ca-env login' on a terminal renews an SSO session)"
            }
            "ResourceNotFoundException" => "check the domain and owner in the project's index URL",
            "ThrottlingException" => "try again in a minute ('ca-env login' tries at once)",
            _ => "try again with 'ca-env login'; 'ca-env status' shows the profile used",
        };
        return Error::new(
            Exit::Runtime,
            format!(
                "AWS refused a token for {}: {code}: {message}",
                key.describe()
            ),
        )
        .with_hint(hint)
        .into();
    }
    if matches!(e, SdkError::TimeoutError(_))
        || matches!(e, SdkError::DispatchFailure(d) if d.is_timeout())
    {
        return deadline(key, within).into();
    }
    if let Some(cause) = find_source::<CredentialsError>(e) {
        let profile = key
            .profile
            .as_deref()
            .map_or("the default AWS profile".to_string(), |p| {
                format!("profile '{p}'")
            });
        if let (Some(p), Some(CredentialsError::CredentialsNotLoaded(_))) = (
            key.profile.as_deref(),
            cause.downcast_ref::<CredentialsError>(),
        ) {
            // The SDK reports a profile that is not there as "no credentials anywhere".
            if !profile_defined(p) {
                return FetchError {
                    error: Error::new(
                        Exit::Runtime,
                        format!(
                            "the AWS profile '{}' does not exist in the AWS config or credentials file",
                            crate::output::printable(p)
                        ),
                    )
                    .with_hint("check AWS_PROFILE and the profiles in ca-env's configuration; 'ca-env status' shows the profile each source uses"),
                    credentials: true,
                };
            }
        }
        return FetchError {
            error: Error::new(
                Exit::Runtime,
                match cause.downcast_ref::<CredentialsError>() {
                    // The whole chain found nothing: its report lists every provider as "not
                    // enabled", which says less than this.
                    Some(CredentialsError::CredentialsNotLoaded(_)) => format!(
                        "no usable AWS credentials from {profile}: none found in the environment, the AWS config files, web identity, the container or instance metadata"
                    ),
                    _ => format!("no usable AWS credentials from {profile}: {}", causes(cause)),
                },
            )
            .with_hint("run 'ca-env login' on a terminal (it can prompt, and renews an expired SSO session), or set them up with 'aws configure', or choose another profile in ca-env's configuration"),
            credentials: true,
        };
    }
    Error::new(
        Exit::Runtime,
        format!("cannot get a token for {}: {}", key.describe(), causes(e)),
    )
    .with_hint("check the network and the endpoint; 'ca-env login' tries again at once")
    .into()
}

/// Whether `profile` is defined in the AWS config or credentials file, found as the SDK finds
/// them.
fn profile_defined(profile: &str) -> bool {
    super::profile::Files::load(&crate::env::Env::from_process()).defined(profile)
}

/// The error and its sources, each said once, on one line (the SDK's own rendering appends
/// Debug dumps).
fn causes(e: &(dyn std::error::Error + 'static)) -> String {
    let mut said: Vec<String> = Vec::new();
    let mut cur = Some(e);
    while let Some(err) = cur {
        let text = one_line(&err.to_string());
        if !text.is_empty() && !said.iter().any(|s| s.contains(&text)) {
            said.push(text);
        }
        cur = err.source();
    }
    said.join(": ")
}

fn find_source<'e, T: std::error::Error + 'static>(
    e: &'e (dyn std::error::Error + 'static),
) -> Option<&'e (dyn std::error::Error + 'static)> {
    let mut cur: Option<&(dyn std::error::Error + 'static)> = Some(e);
    while let Some(err) = cur {
        if err.is::<T>() {
            return Some(err);
        }
        cur = err.source();
    }
    None
}

fn one_line(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// CodeArtifact as a token provider.
pub struct CodeArtifact;

impl Provider for CodeArtifact {
    fn fetch(
        &self,
        key: &Key,
        duration: u64,
        within: Duration,
        terminal: Terminal,
    ) -> Result<Fetched, FetchError> {
        get_authorization_token(key, duration, within, terminal)
    }
}

/// While it lives, standard input is /dev/null; dropped, the original comes back. Unless asked
/// to keep it (`exec`, which becomes the user's command), the controlling terminal is given up
/// for good.
struct Detached {
    #[cfg(unix)]
    saved: Option<std::os::fd::OwnedFd>,
}

impl Detached {
    #[cfg(unix)]
    fn input(keep_terminal: bool) -> Detached {
        use std::os::fd::{AsFd, AsRawFd};
        let saved = std::io::stdin().as_fd().try_clone_to_owned().ok();
        if let Ok(null) = std::fs::File::open("/dev/null") {
            // SAFETY: dup2 onto fd 0 of a descriptor we own; nothing in ca-env reads stdin here.
            unsafe { libc::dup2(null.as_raw_fd(), 0) };
        }
        // Nor the terminal itself: a credential_process opening /dev/tty (an MFA prompt) would
        // otherwise ask the user there. Giving up the controlling terminal makes that open
        // fail. It cannot be taken back, so `exec` keeps it for the command it becomes. A
        // session leader would hang up its session doing so; ca-env is one only when started
        // detached, and then it has no terminal anyway.
        // SAFETY: getsid/getpid cannot fail for this process.
        let leader = unsafe { libc::getsid(0) == libc::getpid() };
        if !leader && !keep_terminal {
            use std::os::unix::fs::OpenOptionsExt;
            if let Ok(tty) = std::fs::OpenOptions::new()
                .read(true)
                .write(true)
                .custom_flags(libc::O_NOCTTY)
                .open("/dev/tty")
            {
                // SAFETY: TIOCNOTTY on a descriptor we own takes no argument.
                unsafe { libc::ioctl(tty.as_raw_fd(), libc::TIOCNOTTY) };
            }
        }
        Detached { saved }
    }

    #[cfg(not(unix))]
    fn input(_keep_terminal: bool) -> Detached {
        Detached {}
    }
}

#[cfg(unix)]
impl Drop for Detached {
    fn drop(&mut self) {
        use std::os::fd::AsRawFd;
        if let Some(fd) = &self.saved {
            // SAFETY: dup2 of a descriptor we own back onto fd 0.
            unsafe { libc::dup2(fd.as_raw_fd(), 0) };
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn http_dates_as_aws_sends_them() {
        assert_eq!(
            super::http_date("Sun, 06 Nov 1994 08:49:37 GMT"),
            Some(784111777)
        );
        assert_eq!(super::http_date("Sunday, 06-Nov-94 08:49:37 GMT"), None);
        assert_eq!(super::http_date(""), None);
    }
}
