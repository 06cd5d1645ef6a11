# Sourced by scripts/setup.sh: secrets the bundled manifests reference, created once, 0600, never committed.
# JULES_LOCAL_TOKEN is random. JULES_API_KEY is the key of the public Jules API, which this machine cannot
# reach: a placeholder is written; put your real key in manifests/secrets/JULES_API_KEY.
mkdir -p manifests/secrets
chmod 0700 manifests/secrets
if [ ! -s manifests/secrets/JULES_LOCAL_TOKEN ]; then
  (umask 077; head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n' > manifests/secrets/JULES_LOCAL_TOKEN)
  echo "==> generated manifests/secrets/JULES_LOCAL_TOKEN"
fi
if [ ! -s manifests/secrets/JULES_API_KEY ]; then
  (umask 077; printf 'placeholder-set-your-jules-api-key' > manifests/secrets/JULES_API_KEY)
  echo "==> wrote a placeholder manifests/secrets/JULES_API_KEY (replace it with your key)"
fi
