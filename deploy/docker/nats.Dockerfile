# NATS server built from the nats-server Go module the suite already
# depends on (github.com/nats-io/nats-server/v2), for machines that cannot
# pull the official image (CI, air-gapped hosts). It is laid out like the
# official image (ENTRYPOINT /nats-server), so docker-compose.yml's
# "command: --config ..." works with either; NATS_IMAGE picks one.
FROM scratch
COPY nats-server /nats-server
# JetStream's store, writable by the non-root user on a new named volume.
COPY --chown=65532:65532 data /data
USER 65532:65532
# Clients, cluster routes, HTTP monitoring (/healthz).
EXPOSE 4222 6222 8222
ENTRYPOINT ["/nats-server"]
CMD ["--jetstream", "--store_dir", "/data"]
