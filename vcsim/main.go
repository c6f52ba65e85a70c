// vcsim for vmwatch's tests and benchmarks: govmomi's simulator library behind a few flags.
//
// Built at test time against Debian's golang-github-vmware-govmomi-dev (GOPATH mode, offline):
// see tests/vcsim.py. It prints one JSON line {"url": ..., "hosts": N, "vms": M} once listening
// and runs until SIGTERM or SIGINT.
package main

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"encoding/pem"
	"flag"
	"fmt"
	"math/big"
	"net"
	"net/url"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/vmware/govmomi/simulator"
)

func main() {
	listen := flag.String("listen", "127.0.0.1:0", "address to listen on (host:port)")
	esx := flag.Bool("esx", false, "simulate a standalone ESXi host instead of a vCenter")
	hosts := flag.Int("hosts", 3, "ESXi hosts in the cluster (vCenter only)")
	standalone := flag.Int("standalone", 1, "standalone ESXi hosts besides the cluster (vCenter only)")
	vms := flag.Int("vms", 2, "VMs in the cluster and on each standalone host")
	useTLS := flag.Bool("tls", false, "serve https with a self-signed certificate for 127.0.0.1")
	certOut := flag.String("cert-out", "", "write the server certificate (PEM) here when -tls is on")
	user := flag.String("user", "user", "the only user name accepted")
	password := flag.String("password", "pass", "the only password accepted")
	flag.Parse()

	model := simulator.VPX()
	if *esx {
		model = simulator.ESX()
	} else {
		model.Host = *standalone
		model.ClusterHost = *hosts
	}
	model.Machine = *vms
	model.Autostart = true
	if err := model.Create(); err != nil {
		fmt.Fprintln(os.Stderr, "vcsim: create:", err)
		os.Exit(1)
	}

	model.Service.Listen = &url.URL{Host: *listen, User: url.UserPassword(*user, *password)}
	if *useTLS {
		cert, err := selfSigned(*listen)
		if err != nil {
			fmt.Fprintln(os.Stderr, "vcsim: certificate:", err)
			os.Exit(1)
		}
		model.Service.TLS = &tls.Config{Certificates: []tls.Certificate{cert}}
	}
	model.Service.RegisterEndpoints = true
	server := model.Service.NewServer()

	if *useTLS && *certOut != "" {
		block := &pem.Block{Type: "CERTIFICATE", Bytes: server.Certificate().Raw}
		if err := os.WriteFile(*certOut, pem.EncodeToMemory(block), 0o644); err != nil {
			fmt.Fprintln(os.Stderr, "vcsim: cert-out:", err)
			os.Exit(1)
		}
	}

	count := model.Count()
	address := *server.URL
	address.User = nil
	line, _ := json.Marshal(map[string]interface{}{"url": address.String(), "hosts": count.Host, "vms": count.Machine})
	fmt.Println(string(line))

	signals := make(chan os.Signal, 1)
	signal.Notify(signals, syscall.SIGTERM, syscall.SIGINT)
	<-signals
	// Exit at once, as a vCenter going down would: closing the server politely would wait for
	// pending WaitForUpdatesEx long polls. Only the datastores' temporary folders are cleaned.
	model.Remove()
	os.Exit(0)
}

// selfSigned makes an ECDSA P-256 certificate for 127.0.0.1, ::1, localhost and the listen
// address: the simulator's built-in test certificate has a 1024-bit RSA key, which OpenSSL's
// default security level refuses.
func selfSigned(listen string) (tls.Certificate, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return tls.Certificate{}, err
	}
	template := x509.Certificate{
		SerialNumber:          big.NewInt(time.Now().UnixNano()),
		Subject:               pkix.Name{CommonName: "vcsim"},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(24 * time.Hour),
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true,
		IsCA:                  true,
		IPAddresses:           []net.IP{net.ParseIP("127.0.0.1"), net.ParseIP("::1")},
		DNSNames:              []string{"localhost"},
	}
	if host, _, err := net.SplitHostPort(listen); err == nil && net.ParseIP(host) != nil {
		template.IPAddresses = append(template.IPAddresses, net.ParseIP(host))
	}
	der, err := x509.CreateCertificate(rand.Reader, &template, &template, &key.PublicKey, key)
	if err != nil {
		return tls.Certificate{}, err
	}
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}, nil
}
