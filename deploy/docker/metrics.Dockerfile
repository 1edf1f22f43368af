# The metrics service: the Corporate Parenting Board's live indicators, Reconcile and the scorecard page.
# Built by scripts/images.sh from a static binary (CGO_ENABLED=0) in the
# build context; FROM scratch, so the image holds the binary, the data
# directory and nothing else (Europe/London comes from the binary's
# embedded time/tzdata).
FROM scratch
COPY metrics /metrics
# The data directory, owned by the non-root user, so a new named volume
# mounted here starts writable (Docker copies the ownership into it).
COPY --chown=65532:65532 data /data
ENV CP_METRICS_GRPC_ADDR=0.0.0.0:7104 \
    CP_METRICS_HTTP_ADDR=0.0.0.0:7194 \
    CP_METRICS_DATA_DIR=/data
USER 65532:65532
EXPOSE 7104 7194
# The binary probes its own gRPC health (grpc.health.v1, SERVING): there is
# no shell or curl in the image.
HEALTHCHECK --interval=10s --timeout=5s --start-period=20s --retries=3 CMD ["/metrics", "-healthcheck"]
STOPSIGNAL SIGTERM
ENTRYPOINT ["/metrics"]
