# What `make install` and the .deb (CPack, `cmake --build BUILD --target package`) put where, on
# Debian's layout. Binaries come from controller/CMakeLists.txt; this file adds the unit, the operator's
# files and the package metadata. The example config goes to the docs, not to /etc: a config that
# names tunnels and prefixes the host does not have would steer routes the moment someone starts the
# service, so the operator copies and edits it (the unit's ExecStartPre --check refuses a missing one).
# Depends comes from dpkg-shlibdeps (CPACK_DEBIAN_PACKAGE_SHLIBDEPS), so it always matches the libraries
# the binaries were really linked against.
set(WGFO_DOCDIR ${CMAKE_INSTALL_DATADIR}/doc/wg-failover)

# Debian 12 keeps packaged units in /lib/systemd/system (not yet /usr/lib).
install(FILES deploy/systemd/wg-failoverd.service DESTINATION /lib/systemd/system)
install(FILES README.md DESTINATION ${WGFO_DOCDIR})
install(FILES deploy/examples/wg-failover.yaml DESTINATION ${WGFO_DOCDIR}/examples)
install(PROGRAMS deploy/examples/wg_failover_client.py DESTINATION ${WGFO_DOCDIR}/examples)
install(FILES deploy/frr/README.md deploy/frr/daemons deploy/frr/nftables-frr-grpc.nft
              deploy/frr/bgpd-tag.conf deploy/frr/bgpd-route-map.conf DESTINATION ${WGFO_DOCDIR}/frr)
# The API contract, for automation that generates its own client stubs.
install(FILES proto/wgfailover/v1/failover.proto DESTINATION ${CMAKE_INSTALL_DATADIR}/wg-failover/proto/wgfailover/v1)

set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME wg-failover)
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_CONTACT "wg-failover maintainers <root@localhost>")
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SECTION net)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
# FRR is what the daemon drives, but a host may run it in a container; wireguard-tools gives `wg show`.
set(CPACK_DEBIAN_PACKAGE_RECOMMENDS "frr (>= 8.4), wireguard-tools, nftables")
set(CPACK_DEBIAN_PACKAGE_SUGGESTS "python3-grpcio, wireguard-go")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "BFD-driven failover of WireGuard tunnels, written into FRR")
set(CPACK_PACKAGE_DESCRIPTION
    "wg-failoverd runs a standard BFD session (RFC 5880/5881) over every WireGuard tunnel, fuses it with\n\
tunnel quality and WireGuard handshake progress, and writes the resulting routing intent into FRR\n\
through FRR's northbound gRPC (static routes in staticd, BGP signals through bgpd route-maps).\n\
wg-failover is its CLI. FRR's gRPC module is not part of Debian's frr package: see\n\
/usr/share/doc/wg-failover/frr/README.md.")
include(CPack)
